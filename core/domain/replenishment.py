"""Replenishment from the DC (SPEC 4.6).

Timing, precisely: `plan_replenishment(k, ...)` runs once week k's actuals are in (states carry
shipped/sold up to and including week k) and plans the shipment that reaches the stores for
week k+1. So:
  * weeks_left = horizon_weeks - k (weeks still to sell); after the last week nothing is planned;
  * weekly: runs after every week 1..horizon-1, one week per cycle;
  * bi-weekly: runs after weeks 2, 4, ... and covers two weeks per cycle;
  * the cycle never reaches past the season: weeks_per_cycle = min(cycle, weeks_left);
  * 'none': no lines at all; the caller records "Replenishment skipped: strategy is none".
Per store: remaining = season_total - shipped; need = remaining / weeks_left x weeks_per_cycle;
on_hand = max(0, shipped - sold) (a store cannot hold negative stock; sales above what was shipped
are treated as already gone); ship = max(0, ceil(need - on_hand)), never more than remaining.
When the DC holds less than the stores ask for, stores are served largest need first (ties: larger
shipment wanted, then store_id) and a store getting less than it asked for is flagged partial,
including a store that gets nothing.
"""

from __future__ import annotations

import numpy as np

from core.domain.errors import PlannerError
from core.domain.models import ReplenishmentLine, StoreState
from core.domain.params import REPLENISHMENT_CHOICES
from core.domain.rounding import ceil_clean

CYCLE_WEEKS = {"weekly": 1, "bi-weekly": 2}


def _check(week: int, strategy: str, horizon_weeks: int) -> None:
    problems = []
    if strategy not in REPLENISHMENT_CHOICES:
        problems.append(f"replenishment = {strategy!r} is not allowed: allowed {', '.join(REPLENISHMENT_CHOICES)}")
    if not 1 <= horizon_weeks <= 52:
        problems.append(f"horizon_weeks = {horizon_weeks} is out of range: allowed [1, 52]")
    elif not 1 <= week <= horizon_weeks:
        problems.append(f"week = {week} is out of range: allowed 1..{horizon_weeks}")
    if problems:
        raise PlannerError(problems)


def skip_reason(week: int, *, strategy: str, horizon_weeks: int) -> str | None:
    """Why nothing is planned after week `week`'s actuals, or None when replenishment runs."""
    _check(week, strategy, horizon_weeks)
    if strategy == "none":
        return "Replenishment skipped: strategy is none"
    if week >= horizon_weeks:
        return f"Replenishment skipped: week {week} is the last week of the season"
    if strategy == "bi-weekly" and week % 2 != 0:
        return f"Replenishment skipped: strategy is bi-weekly and runs after weeks 2, 4, ...; week {week} is odd"
    return None


def plan_replenishment(
    week: int, *, strategy: str, horizon_weeks: int, states: list[StoreState], dc_on_hand: int
) -> list[ReplenishmentLine]:
    """Shipments for week `week` + 1, planned after week `week`'s actuals (see module docstring)."""
    if skip_reason(week, strategy=strategy, horizon_weeks=horizon_weeks) is not None:
        return []
    if dc_on_hand < 0:
        raise PlannerError(f"dc_on_hand = {dc_on_hand} must be >= 0")
    weeks_left = horizon_weeks - week
    cycle = min(CYCLE_WEEKS[strategy], weeks_left)
    if not states:
        return []
    season_total = np.array([s.season_total for s in states], dtype=np.int64)
    shipped = np.array([s.shipped for s in states], dtype=np.int64)
    sold = np.array([s.sold for s in states], dtype=np.int64)
    remaining = np.clip(season_total - shipped, 0, None)
    need = remaining / weeks_left * cycle
    on_hand = np.clip(shipped - sold, 0, None)
    wanted = np.array([max(0, ceil_clean(x)) for x in (need - on_hand)], dtype=np.int64)
    wanted = np.minimum(wanted, remaining)

    ids = [s.store_id for s in states]
    order = sorted(range(len(states)), key=lambda i: (-need[i], -wanted[i], ids[i]))
    dc = int(dc_on_hand)
    lines: list[ReplenishmentLine] = []
    for i in order:
        if wanted[i] <= 0:
            continue
        qty = int(min(wanted[i], dc))
        dc -= qty
        lines.append(
            ReplenishmentLine(
                week=week,
                store_id=ids[i],
                need=round(float(need[i]), 6),
                on_hand=int(on_hand[i]),
                qty=qty,
                partial=qty < wanted[i],
            )
        )
    return lines
