"""Markdown proposal at the checkpoint week (docs/planning-rules.md §4.8): Gap x Elasticity, rounded to the step,
capped.

sell_through = sold_to_date / approved_qty; gap = target - sell_through; gap <= 0 -> no markdown;
else depth = min(cap, round(gap x elasticity / step) x step), halves rounded up.
Float care: 0.60 - 0.55 is 0.04999999999999993, so gap x elasticity / step = 1.9999999999999987;
rounding to the nearest step (not flooring) gives 2 steps = 10% as intended, and values are
cleaned to 10 decimals so 3 x 0.05 is reported as 0.15, not 0.15000000000000002.
"""

from __future__ import annotations

from core.domain.errors import PlannerError
from core.domain.models import MarkdownProposal
from core.domain.params import SeasonParameters
from core.domain.rounding import round_half_up

_CLEAN_DECIMALS = 10


def markdown_due(week: int, params: SeasonParameters) -> bool:
    """True when week `week`'s actuals are the checkpoint's (no checkpoint set -> never)."""
    return params.markdown_week is not None and week == params.markdown_week


def markdown_depth(gap: float, *, elasticity: float, step: float, cap: float) -> float:
    """Depth for a sell-through gap: 0 when gap <= 0, else rounded to the step and capped."""
    gap = round(gap, _CLEAN_DECIMALS)
    if gap <= 0:
        return 0.0
    steps = round_half_up(gap * elasticity / step)
    return round(min(cap, steps * step), _CLEAN_DECIMALS)


def propose_markdown(week: int, sold_to_date: int, approved_qty: int, params: SeasonParameters) -> MarkdownProposal:
    """The proposal shown at the approval gate; depth 0.0 means no markdown (with the reason)."""
    if approved_qty <= 0:
        raise PlannerError(f"approved_qty = {approved_qty} must be > 0 to compute sell-through")
    if sold_to_date < 0:
        raise PlannerError(f"sold_to_date = {sold_to_date} must be >= 0")
    sell_through = round(sold_to_date / approved_qty, _CLEAN_DECIMALS)
    if params.markdown_week is None or params.markdown_target is None:
        return MarkdownProposal(
            week=week,
            sold_to_date=sold_to_date,
            approved_qty=approved_qty,
            sell_through=sell_through,
            target=0.0,
            gap=0.0,
            depth=0.0,
            reason="No markdown: no markdown checkpoint is set (markdown_week is empty)",
        )
    target = float(params.markdown_target)
    gap = round(target - sell_through, _CLEAN_DECIMALS)
    depth = markdown_depth(
        gap, elasticity=params.markdown_elasticity, step=params.markdown_step, cap=params.markdown_cap
    )
    if gap <= 0:
        reason = f"No markdown: sell-through {sell_through:.1%} meets the target {target:.0%}"
    else:
        raw = gap * params.markdown_elasticity
        capped = (
            " (capped)" if depth < round(round_half_up(raw / params.markdown_step) * params.markdown_step, 10) else ""
        )
        reason = (
            f"Sell-through {sell_through:.1%} is {gap:.1%} below the target {target:.0%}; "
            f"gap x elasticity {params.markdown_elasticity:g} = {raw:.1%}, rounded to the "
            f"{params.markdown_step:.0%} step -> {depth:.0%}{capped}"
        )
    return MarkdownProposal(
        week=week,
        sold_to_date=sold_to_date,
        approved_qty=approved_qty,
        sell_through=sell_through,
        target=target,
        gap=gap,
        depth=depth,
        reason=reason,
    )
