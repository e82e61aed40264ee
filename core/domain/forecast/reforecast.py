"""Re-forecast from actuals (SPEC 4.7) and the demand response to a markdown (SPEC 4.8).

The re-forecast estimates one level correction for the rest of the season from the ratios
actual / plan of the weeks seen so far (`level.py`: a Bayesian local level with heavy-tailed
one-off weeks, lasting jumps and a heavy-tailed start, solved exactly on a grid). The remaining
weeks are the plan times exp(median level); their intervals come from the posterior of the level
plus the ordinary week-to-week wobble.

Every revision refits the level on all actual weeks against the plan without any earlier
correction (`ForecastResult.level` records the correction applied to each week), so repeated
revisions equal one update with all weeks and nothing is counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.domain.forecast.intervals import Z80
from core.domain.forecast.level import LevelModel, level_posterior, predictive_bands
from core.domain.models import ForecastResult, WeekForecast

FLOOR_SIGMA = 0.03  # the narrowest weekly band we take from a forecast's interval
FLOOR_NOISE = 0.015  # ordinary weeks never wobble less than this (Poisson noise, shape errors of the plan)
LEVEL_SHARE = 0.5  # without a measured noise (older forecasts): half the weekly variance is level error
DRIFT_SHARE = 0.15  # random-walk variance of the level per week, relative to the weekly noise variance
TAIL = (1 - 0.8) / 2  # an 80% interval


def _weekly_sigma(fc: ForecastResult) -> float:
    sigmas = [math.log(w.hi / w.plan) / Z80 for w in fc.weeks if w.plan > 0 and w.hi > w.plan]
    return max(FLOOR_SIGMA, float(np.mean(sigmas))) if sigmas else 0.15


def level_model(fc: ForecastResult) -> LevelModel:
    """Observation noise from the history's wobble, the level's spread from the rest of the forecast's band."""
    sigma = _weekly_sigma(fc)
    measured = fc.noise_sigma if fc.noise_sigma is not None else math.sqrt(1 - LEVEL_SHARE) * sigma
    noise = max(FLOOR_NOISE, measured)
    level_sd = math.sqrt(max(sigma**2 - noise**2, noise**2))
    return LevelModel(noise=noise, level_sd=level_sd, drift=math.sqrt(DRIFT_SHARE) * noise)


def _levels(fc: ForecastResult) -> list[float]:
    return list(fc.level) if len(fc.level) == len(fc.weeks) else [0.0] * len(fc.weeks)


def reforecast(
    current: ForecastResult, actuals: Sequence[float], *, original: ForecastResult | None = None
) -> ForecastResult:
    """Update weeks k+1..H from the actual totals of weeks 1..k (k = len(actuals)).

    Pass the revision-0 forecast as `original`: its intervals and measured noise set the model (a
    revised forecast's intervals are already narrowed by what was seen).
    """
    k = len(actuals)
    horizon = len(current.weeks)
    if not 1 <= k <= horizon:
        raise ValueError(f"reforecast needs 1..{horizon} weeks of actuals, got {k}")
    if any((a is None) or not math.isfinite(float(a)) or float(a) < 0 for a in actuals):
        raise ValueError(f"actual weekly totals must be finite and >= 0, got {list(actuals)}")
    model = level_model(original or current)
    levels = _levels(current)
    base = [w.plan * math.exp(-lv) for w, lv in zip(current.weeks, levels)]
    x = np.log((np.asarray(actuals, dtype=float) + 1.0) / (np.asarray(base[:k]) + 1.0))
    posterior = level_posterior(x, model)
    level = posterior.median
    bands = predictive_bands(posterior.pmf, model, horizon - k, TAIL)
    weeks: list[WeekForecast] = []
    for w, b in zip(current.weeks, base):
        if w.week <= k:
            weeks.append(w.model_copy())
            continue
        plan = b * math.exp(level)
        lo, hi = bands[w.week - k - 1]
        weeks.append(WeekForecast(week=w.week, start=w.start, plan=plan, lo=min(plan, b * math.exp(lo)),
                                  hi=max(plan, b * math.exp(hi))))
    member_weekly = {
        name: list(values[:k]) + [v * math.exp(level - lv) for v, lv in zip(values[k:], levels[k:])]
        for name, values in current.member_weekly.items()
    }
    return current.model_copy(
        update={
            "method": f"reforecast(level x{math.exp(level):.3f} from {k} weeks) of {current.method}",
            "weeks": weeks,
            "member_weekly": member_weekly,
            "members": {name: float(sum(v)) for name, v in member_weekly.items()},
            "revision": current.revision + 1,
            "based_on_weeks": k,
            "level": levels[:k] + [level] * (horizon - k),
            "noise_sigma": current.noise_sigma if current.noise_sigma is not None else (original or current).noise_sigma,
            "warnings": list(current.warnings),
        }
    )


def markdown_multiplier(depth: float, price_elasticity: float) -> float:
    """(1 - depth) ^ (-price_elasticity): a 20% markdown with elasticity 1 sells 1.25x."""
    if not 0.0 <= depth < 1.0:
        raise ValueError(f"markdown depth = {depth}: allowed [0, 1)")
    if price_elasticity <= 0:
        raise ValueError(f"price_elasticity = {price_elasticity}: allowed > 0")
    return (1.0 - depth) ** (-price_elasticity)


def apply_markdown_response(fc: ForecastResult, *, from_week: int, depth: float, price_elasticity: float) -> ForecastResult:
    """Multiply demand of weeks from_week..H (plan, interval and members) by the markdown response."""
    horizon = len(fc.weeks)
    if not 1 <= from_week <= horizon:
        raise ValueError(f"from_week = {from_week}: allowed 1..{horizon}")
    m = markdown_multiplier(depth, price_elasticity)
    weeks = [
        w.model_copy(update={"plan": w.plan * m, "lo": w.lo * m, "hi": w.hi * m}) if w.week >= from_week else w.model_copy()
        for w in fc.weeks
    ]
    cut = from_week - 1
    member_weekly = {name: list(v[:cut]) + [x * m for x in v[cut:]] for name, v in fc.member_weekly.items()}
    return fc.model_copy(
        update={
            "method": f"markdown({depth:.0%} off, demand x{m:.3f} from week {from_week}) of {fc.method}",
            "weeks": weeks,
            "member_weekly": member_weekly,
            "members": {name: float(sum(v)) for name, v in member_weekly.items()},
            "revision": fc.revision + 1,
        }
    )
