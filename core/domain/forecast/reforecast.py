"""Re-forecast from actuals (SPEC 4.7) and the demand response to a markdown (SPEC 4.8).

The update is Bayesian on the log ratio actual / plan, with a local-level (random walk) model:
the level correction starts at 0 with the variance the forecast's own interval implies, each
observed week pulls it towards what was seen (Kalman gain), and the correction may drift a
little from week to week so a lasting shift (a demand shock) is followed rather than averaged
away. The remaining weeks are the current plan times exp(correction); their intervals combine
the remaining uncertainty of the level with the week-to-week noise.

Sequential revisions do not double count: only weeks after the previous revision
(`based_on_weeks`) are new information, and the prior variance of the correction at that point
is recomputed deterministically (it depends on how many weeks were seen, not on their values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.domain.forecast.intervals import Z80
from core.domain.models import ForecastResult, WeekForecast

LEVEL_SHARE = 0.5  # part of the weekly variance that is a season-wide level error
DRIFT_SHARE = 0.15  # random-walk variance per week, relative to the weekly noise variance
FLOOR_SIGMA = 0.03
OUTLIER_SD = 2.0


def _weekly_sigma(fc: ForecastResult) -> float:
    sigmas = [math.log(w.hi / w.plan) / Z80 for w in fc.weeks if w.plan > 0 and w.hi > w.plan]
    return max(FLOOR_SIGMA, float(np.mean(sigmas))) if sigmas else 0.15


def _variances(sigma: float) -> tuple[float, float, float]:
    """(prior level variance, weekly noise variance, drift variance per week)."""
    total = sigma**2
    noise = (1.0 - LEVEL_SHARE) * total
    return LEVEL_SHARE * total, noise, DRIFT_SHARE * noise


def _prior_after(weeks_seen: int, prior: float, noise: float, drift: float) -> float:
    p = prior
    for _ in range(weeks_seen):
        p += drift
        p = p * noise / (p + noise)
    return p


def reforecast(
    current: ForecastResult, actuals: Sequence[float], *, original: ForecastResult | None = None
) -> ForecastResult:
    """Update weeks k+1..H from the actual totals of weeks 1..k (k = len(actuals)).

    Pass the revision-0 forecast as `original`: its intervals give the prior spread (a revised
    forecast's intervals are already narrowed by what was seen).
    """
    k = len(actuals)
    horizon = len(current.weeks)
    if not 1 <= k <= horizon:
        raise ValueError(f"reforecast needs 1..{horizon} weeks of actuals, got {k}")
    if any((a is None) or not math.isfinite(float(a)) or float(a) < 0 for a in actuals):
        raise ValueError(f"actual weekly totals must be finite and >= 0, got {list(actuals)}")
    prior, noise, drift = _variances(_weekly_sigma(original or current))
    seen_before = min(current.based_on_weeks, k)
    p = _prior_after(seen_before, prior, noise, drift)
    level = 0.0
    for i in range(seen_before, k):
        x = math.log((float(actuals[i]) + 1.0) / (current.weeks[i].plan + 1.0))
        p += drift
        gain = p / (p + noise)
        # Huber-clipped innovation: one freak week (a one-off promotion, a storm) moves the level
        # by at most OUTLIER_SD standard deviations' worth; a lasting shift still gets through
        # week after week.
        spread = OUTLIER_SD * math.sqrt(p + noise)
        level += gain * min(max(x - level, -spread), spread)
        p *= 1.0 - gain
    factor = math.exp(level)
    weeks: list[WeekForecast] = []
    for w in current.weeks:
        if w.week <= k:
            weeks.append(w.model_copy())
            continue
        ahead = w.week - k
        sigma = math.sqrt(p + drift * ahead + noise)
        plan = w.plan * factor
        weeks.append(
            WeekForecast(week=w.week, start=w.start, plan=plan, lo=plan * math.exp(-Z80 * sigma), hi=plan * math.exp(Z80 * sigma))
        )
    remaining = slice(k, horizon)
    member_weekly = {
        name: list(values[:k]) + [v * factor for v in values[remaining]] for name, values in current.member_weekly.items()
    }
    return current.model_copy(
        update={
            "method": f"reforecast(level x{factor:.3f} from {k} weeks) of {current.method}",
            "weeks": weeks,
            "member_weekly": member_weekly,
            "members": {name: float(sum(v)) for name, v in member_weekly.items()},
            "revision": current.revision + 1,
            "based_on_weeks": k,
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
