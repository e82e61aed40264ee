"""Weekly variance check (docs/planning-rules.md §4.7): against the current plan, the original forecast, season to date
and per store; re-forecast and emergency-reorder triggers.

Conventions:
  * variance = (actual - plan) / plan; a plan of 0 gives 0.0 when nothing sold and 1.0 (+100%)
    when something did, so an unplanned sale still trips the threshold without an infinity;
  * re-forecast when |variance| > variance_threshold (strictly greater: exactly at the threshold
    does not trigger);
  * emergency when the week sold more than planned by more than emergency_threshold AND projected
    season demand > available stock. docs/planning-rules.md §4.7 writes |variance|; a week that sold *less* than planned
    is evidence of less demand, never a reason to manufacture more. Without the direction, a plan
    that was already above stock (e.g. lifted by a markdown's demand response) made every weak week
    recommend a reorder. Projected demand = actuals of weeks 1..k + demand of weeks k+1..H, where the latter is
    `projected_remaining` when the caller has it (e.g. a fresh re-forecast), else the current
    plan's remaining weeks scaled by this week's observed ratio actual_k / plan_k (the gap that
    tripped the alarm is assumed to persist). emergency_qty = ceil(projected - available).
  * shortfall when the week sold less than planned by more than emergency_threshold: not a
    reorder, an alert to look at the week (missing data, a store closed, demand falling away) and at
    the markdown and replenishment that follow from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from core.domain.errors import PlannerError
from core.domain.models import VarianceRecord
from core.domain.rounding import ceil_clean

_DECIMALS = 6


def relative_variance(actual: float, plan: float) -> float:
    """(actual - plan) / plan, with the zero-plan convention of the module docstring."""
    if plan <= 0:
        return 0.0 if actual <= 0 else 1.0
    return (actual - plan) / plan


def beyond(variance: float, threshold: float) -> bool:
    """|variance| > threshold, compared on 9 decimals so float noise (e.g. 0.30000000000000004) cannot make
    "exactly at the threshold" count as above it (module docstring)."""
    return round(abs(variance), 9) > threshold


def store_variances(
    week_plan: float, store_actuals: Mapping[str, float], store_shares: Mapping[str, float]
) -> dict[str, float]:
    """Each store's week actual against its share of the week's category plan.

    `store_shares` are the stores' shares of the plan (e.g. season_total / order_qty; normalised
    here so they sum to 1). Stores with a zero share are left out (nothing was planned for them).
    """
    total_share = float(sum(max(0.0, v) for v in store_shares.values()))
    if total_share <= 0:
        return {}
    out: dict[str, float] = {}
    for sid, share in store_shares.items():
        if share <= 0:
            continue
        planned = week_plan * share / total_share
        out[sid] = round(relative_variance(float(store_actuals.get(sid, 0.0)), planned), _DECIMALS)
    return out


def assess_variance(
    week: int,
    *,
    start: date,
    actuals: Sequence[float],
    plans: Sequence[float],
    original: Sequence[float],
    remaining_plan: Sequence[float],
    available_stock: int,
    variance_threshold: float,
    emergency_threshold: float,
    store_actuals: Mapping[str, float] | None = None,
    store_shares: Mapping[str, float] | None = None,
    projected_remaining: Sequence[float] | None = None,
) -> VarianceRecord:
    """Variance record for season week `week` (1-based).

    actuals         category actual totals of weeks 1..week (length `week`; the last is this week)
    plans           the plan each of those weeks had when its actuals arrived (length `week`), so
                    the season-to-date variance is against what was planned at the time
    original        the original forecast, weeks 1..week at least
    remaining_plan  the current plan for weeks week+1..H (empty in the last week)
    available_stock units the season can ever sell from: the approved manufacturing quantity
    store_actuals / store_shares   per-store actuals of this week and each store's plan share
    projected_remaining   demand of weeks week+1..H if already known (e.g. the re-forecast)
    """
    _check_inputs(week, actuals, plans, original, variance_threshold, emergency_threshold)
    actual, plan, orig = float(actuals[-1]), float(plans[-1]), float(original[week - 1])
    variance = relative_variance(actual, plan)
    vs_original = relative_variance(actual, orig)
    cumulative = relative_variance(float(sum(actuals)), float(sum(plans)))
    reforecast = beyond(variance, variance_threshold)

    projected = float(sum(actuals)) + _rest_of_season(actual, plan, remaining_plan, projected_remaining)
    emergency = variance > 0 and beyond(variance, emergency_threshold) and projected > available_stock
    emergency_qty = ceil_clean(projected - available_stock) if emergency else 0
    shortfall = variance < 0 and beyond(variance, emergency_threshold)

    per_store = store_variances(plan, store_actuals or {}, store_shares or {}) if store_shares else {}
    return VarianceRecord(
        week=week,
        start=start,
        actual=actual,
        plan=round(plan, _DECIMALS),
        original=round(orig, _DECIMALS),
        variance=round(variance, _DECIMALS),
        variance_vs_original=round(vs_original, _DECIMALS),
        cumulative_variance=round(cumulative, _DECIMALS),
        reforecast=reforecast,
        emergency=emergency,
        emergency_qty=max(0, int(emergency_qty)),
        shortfall=shortfall,
        store_variance=per_store,
    )


def _check_inputs(
    week: int,
    actuals: Sequence[float],
    plans: Sequence[float],
    original: Sequence[float],
    variance_threshold: float,
    emergency_threshold: float,
) -> None:
    """PlannerError listing every inconsistent input of assess_variance."""
    problems = []
    if week < 1:
        problems.append(f"week = {week} must be >= 1")
    if len(actuals) != week or len(plans) != week:
        problems.append(
            f"actuals ({len(actuals)}) and plans ({len(plans)}) must each have {week} values (weeks 1..{week})"
        )
    if len(original) < week:
        problems.append(f"original has {len(original)} weeks; needs at least {week}")
    if not 0 < variance_threshold < emergency_threshold:
        problems.append(
            f"thresholds must satisfy 0 < variance_threshold ({variance_threshold:g}) < "
            f"emergency_threshold ({emergency_threshold:g})"
        )
    if problems:
        raise PlannerError(problems)



def _rest_of_season(
    actual: float, plan: float, remaining_plan: Sequence[float], projected_remaining: Sequence[float] | None
) -> float:
    """Demand of the weeks after this one: the known projection, else the plan scaled by this week's ratio."""
    if projected_remaining is not None:
        return float(sum(projected_remaining))
    ratio = actual / plan if plan > 0 else 1.0
    return float(sum(remaining_plan)) * ratio


def emergency_rule_label(emergency_threshold: float) -> str:
    """What the emergency rule fires on, in words (it is one-sided, see the module docstring)."""
    return (f"emergency reorder when a week sells more than {emergency_threshold:.0%} above plan and projected "
            f"demand exceeds the stock; shortfall alert when it sells more than {emergency_threshold:.0%} below")


def shortfall_message(record: VarianceRecord) -> str:
    return (f"Week {record.week} sold {record.actual:,.0f} against a plan of {record.plan:,.0f} "
            f"({record.variance:+.0%}): check the week's data and stores; a re-forecast lowers the remaining "
            "weeks and replenishment follows the lower plan")


__all__ = ["assess_variance", "emergency_rule_label", "relative_variance", "shortfall_message", "store_variances"]
