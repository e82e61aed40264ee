"""Re-forecast from actuals (docs/planning-rules.md §4.7) and the demand response to a markdown
(docs/planning-rules.md §4.8).

The re-forecast estimates one level correction for the rest of the season from the ratios
actual / plan of the weeks seen so far (`level.py`: a Bayesian local level with heavy-tailed
one-off weeks, lasting jumps and a heavy-tailed start, solved exactly on a grid). The remaining
weeks are the plan times exp(median level).

Every revision refits on all actual weeks against the plan without any earlier correction
(`ForecastResult.level` records the correction applied to each week), so repeated revisions equal
one update with all weeks and nothing is counted twice.

After a markdown the price response (1 - depth)^(-elasticity) is an assumption, recorded
per week in `ForecastResult.response`. The weeks before the markdown estimate the demand level; the
weeks after it measure how far the real response is from the assumed one, with a prior that takes a
far-off first week after the markdown as a wrong response (not as a one-off week): a week that sells
below the marked-down plan lowers the remaining weeks instead of leaving them at the assumed lift.

Intervals: the 80% band of a remaining week is centred on its plan in log terms, with the
half-width of the posterior predictive band (level uncertainty, drift and the week's own wobble), so
the band always follows the current plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.domain.forecast.intervals import Z80
from core.domain.forecast.level import GRID, LevelModel, LevelPosterior, level_posterior, predictive_bands
from core.domain.models import ForecastResult, WeekForecast

FLOOR_SIGMA = 0.03  # the narrowest weekly band we take from a forecast's interval
FLOOR_NOISE = 0.015  # ordinary weeks never wobble less than this (Poisson noise, shape errors of the plan)
LEVEL_SHARE = 0.5  # without a measured noise (older forecasts): half the weekly variance is level error
DRIFT_SHARE = 0.15  # random-walk variance of the level per week, relative to the weekly noise variance
TAIL = (1 - 0.8) / 2  # an 80% interval
# The price response is a guess (one elasticity for every product): its log error has a prior sd of
# half the assumed log lift, a far-off first week after the markdown is a wrong response more often
# than a one-off (p_start), and the assumed response holds exactly with prior odds 1:3 only.
RESPONSE_SD_SHARE = 0.5
RESPONSE_P_START = 0.5
RESPONSE_P_HOLD = 0.25


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


def response_model(model: LevelModel, assumed: float) -> LevelModel:
    """Prior of the error of an assumed log price response `assumed` (see the constants above)."""
    return LevelModel(noise=model.noise, level_sd=max(model.level_sd, RESPONSE_SD_SHARE * abs(assumed)),
                      drift=model.drift, p_out=model.p_out, p_start=RESPONSE_P_START, p_jump=model.p_jump,
                      wide=model.wide, p_hold=RESPONSE_P_HOLD)


def _per_week(values: list[float], n: int) -> list[float]:
    return list(values) if len(values) == n else [0.0] * n


def _spread(posterior: LevelPosterior) -> float:
    """Half-width of the posterior's central 80% (log), without the weekly noise."""
    cdf = np.cumsum(posterior.pmf)
    cdf = cdf / cdf[-1] if cdf[-1] > 0 else cdf
    lo, hi = np.interp([TAIL, 1 - TAIL], cdf, GRID)
    return float(hi - lo) / 2


def _fit(x: np.ndarray, response: list[float], k: int, model: LevelModel, weeks_ahead: int
         ) -> tuple[float, list[float], float | None]:
    """(log correction of the remaining weeks, their band half-widths, measured/assumed response or None)."""
    post = [i for i in range(k) if response[i] > 0]
    if not post:
        posterior = level_posterior(x, model)
        bands = predictive_bands(posterior.pmf, model, weeks_ahead, TAIL)
        return posterior.median, [(hi - lo) / 2 for lo, hi in bands], None
    first = post[0]
    pre = level_posterior(x[:first], model) if first > 0 else None
    level = pre.median if pre is not None else 0.0
    spread = _spread(pre) if pre is not None else Z80 * model.level_sd
    rmodel = response_model(model, response[first])
    lift = level_posterior(x[first:k] - level, rmodel)
    bands = predictive_bands(lift.pmf, rmodel, weeks_ahead, TAIL)
    halves = [math.sqrt(((hi - lo) / 2) ** 2 + spread**2) for lo, hi in bands]
    return level + lift.median, halves, math.exp(lift.median)


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
    levels = _per_week(list(current.level), horizon)
    response = _per_week(list(current.response), horizon)
    # The plan without any level correction, with the assumed markdown response (what the week's
    # actual is compared with).
    base = [w.plan * math.exp(-lv) for w, lv in zip(current.weeks, levels)]
    x = np.log((np.asarray(actuals, dtype=float) + 1.0) / (np.asarray(base[:k]) + 1.0))
    level, halves, measured = _fit(x, response, k, model, horizon - k)
    weeks: list[WeekForecast] = []
    for w, b in zip(current.weeks, base):
        if w.week <= k:
            weeks.append(w.model_copy())
            continue
        plan = b * math.exp(level)
        half = max(0.0, halves[w.week - k - 1])
        weeks.append(WeekForecast(week=w.week, start=w.start, plan=plan, lo=plan * math.exp(-half),
                                  hi=plan * math.exp(half)))
    member_weekly = {
        name: list(values[:k]) + [v * math.exp(level - lv) for v, lv in zip(values[k:], levels[k:])]
        for name, values in current.member_weekly.items()
    }
    new_levels = levels[:k] + [level] * (horizon - k)
    return current.model_copy(
        update={
            "method": describe(base_method(current.method), new_levels, response, k, measured),
            "weeks": weeks,
            "member_weekly": member_weekly,
            "members": {name: float(sum(v)) for name, v in member_weekly.items()},
            "revision": current.revision + 1,
            "based_on_weeks": k,
            "level": new_levels,
            "response": response if any(response) else list(current.response),
            "noise_sigma": (current.noise_sigma if current.noise_sigma is not None
                            else (original or current).noise_sigma),
            "warnings": list(current.warnings),
        }
    )


def base_method(method: str) -> str:
    """The original forecast's method tag out of a revised plan's description (or an older nested tag)."""
    if "; " in method:
        return method.split("; ")[0]
    while method.startswith(("reforecast(", "markdown(")) and ") of " in method:
        method = method.split(") of ", 1)[1]
    return method


def describe(base: str, levels: list[float], response: list[float], based_on: int,
             measured: float | None = None) -> str:
    """The current plan in plain words: the original method, then the markdown and the re-forecast."""
    parts = [base]
    marked = [i for i, r in enumerate(response) if r > 0]
    if marked:
        parts.append(f"markdown from week {marked[0] + 1}: demand x{math.exp(response[marked[0]]):.2f} "
                     "(assumed price response)")
    if based_on:
        factor = math.exp(levels[-1]) if levels else 1.0
        text = f"re-forecast from {based_on} weeks of actuals: remaining weeks x{factor:.2f}"
        if measured is not None:
            text += f" (the markdown's response measured at x{measured:.2f} of the assumed one)"
        parts.append(text)
    return "; ".join(parts)


def markdown_multiplier(depth: float, price_elasticity: float) -> float:
    """(1 - depth) ^ (-price_elasticity): a 20% markdown with elasticity 1 sells 1.25x."""
    if not 0.0 <= depth < 1.0:
        raise ValueError(f"markdown depth = {depth}: allowed [0, 1)")
    if price_elasticity <= 0:
        raise ValueError(f"price_elasticity = {price_elasticity}: allowed > 0")
    return (1.0 - depth) ** (-price_elasticity)


def apply_markdown_response(fc: ForecastResult, *, from_week: int, depth: float, price_elasticity: float
                            ) -> ForecastResult:
    """Multiply demand of weeks from_week..H (plan, interval and members) by the markdown response."""
    horizon = len(fc.weeks)
    if not 1 <= from_week <= horizon:
        raise ValueError(f"from_week = {from_week}: allowed 1..{horizon}")
    m = markdown_multiplier(depth, price_elasticity)
    weeks = [
        w.model_copy(update={"plan": w.plan * m, "lo": w.lo * m, "hi": w.hi * m}) if w.week >= from_week
        else w.model_copy()
        for w in fc.weeks
    ]
    cut = from_week - 1
    member_weekly = {name: list(v[:cut]) + [x * m for x in v[cut:]] for name, v in fc.member_weekly.items()}
    response = _per_week(list(fc.response), horizon)
    response = response[:cut] + [r + math.log(m) for r in response[cut:]]
    levels = _per_week(list(fc.level), horizon)
    return fc.model_copy(
        update={
            "method": describe(base_method(fc.method), levels, response, fc.based_on_weeks),
            "weeks": weeks,
            "member_weekly": member_weekly,
            "members": {name: float(sum(v)) for name, v in member_weekly.items()},
            "revision": fc.revision + 1,
            "response": response,
        }
    )
