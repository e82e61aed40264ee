"""Replenishment from the DC (docs/planning-rules.md §4.6, with the need rule replaced by the demand rule).

Timing, precisely: `plan_replenishment(k, ...)` runs once week k's actuals are in (states carry
shipped/sold up to and including week k) and plans the shipment that reaches the stores for
week k+1. So:
  * weeks_left = horizon_weeks - k (weeks still to sell); after the last week nothing is planned;
  * weekly: runs after every week 1..horizon-1, one week per cycle;
  * bi-weekly: runs after weeks 2, 4, ... and covers two weeks per cycle;
  * the cycle never reaches past the season: weeks_per_cycle = min(cycle, weeks_left);
  * 'none': no lines at all; the caller records "Replenishment skipped: strategy is none".
Demand rule (used whenever the caller passes the current plan): a store's share of the
plan is its season_total / the sum of all season totals (the allocation follows the sales after a
re-forecast); need = share x the category plan of the next cycle's weeks x (1 + safety_stock);
ship = max(0, ceil(need - on_hand)), capped by the DC only - not by what is left of the store's
season allocation, which knew nothing of the demand since. Every store gets a line: the weeks of
cover its stock holds (on_hand / share of the next cycle's average weekly plan) and, when nothing
ships, why.
Order-up-to (docs/planning-rules.md §6.4; used when the caller passes a service level, which the
economics give): a store's expected demand over the next cycle is mu = share x the category plan of
the cycle's weeks; its spread sd = sqrt(mu + (STORE_CV x mu)^2) (sales counts around a plan that is
itself uncertain); the store is brought up to mu + z(service level) x sd, so it runs out before the
next shipment arrives with probability about 1 - service level. The shares learn from the season's
sales (the allocation's share weighs as PRIOR_WEEKS weeks of them); the season's last shipment sends
out all the DC holds. When the DC holds less than the stores ask for, it is split in proportion to
what each asks for (`fair_shares`): every store falls short by the same share, rather than the first
in a queue getting all and the last nothing. safety_stock is not used then.
Allocation rule (docs/planning-rules.md §4.6 as written, kept for callers without a plan):
per store: remaining = season_total - shipped; need = remaining / weeks_left x weeks_per_cycle;
on_hand = max(0, shipped - sold) (a store cannot hold negative stock; sales above what was shipped
are treated as already gone); ship = max(0, ceil(need - on_hand)), never more than remaining.
Without a service level, when the DC holds less than the stores ask for, stores are served largest
need first (ties: larger shipment wanted, then store_id); either way a store getting less than it
asked for is flagged partial, including a store that gets nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from core.domain.errors import PlannerError
from core.domain.models import ReplenishmentLine, StoreState
from core.domain.money import Money
from core.domain.params import REPLENISHMENT_CHOICES
from core.domain.rounding import ceil_clean, ceil_clean_array

CYCLE_WEEKS = {"weekly": 1, "bi-weekly": 2}
STORE_CV = 0.25  # relative error of a store's plan for one cycle (docs/planning-rules.md §6.4)
SERVICE_RANGE = (0.5, 0.99)
SERVICE_FLOOR = 0.9


def service_level(money: Money) -> float | None:
    """The replenishment's service level from the economics (docs/planning-rules.md §6.4): the critical
    fractile within SERVICE_FLOOR..0.99; None without a profit (price and cost): the safety stock rule."""
    fractile = money.critical_fractile()
    if fractile is None:
        return None
    return min(SERVICE_RANGE[1], max(SERVICE_FLOOR, fractile))


def order_up_to(mu: np.ndarray, level: float) -> np.ndarray:
    """Stock that covers demand of mean `mu` with probability `level` (module docstring)."""
    from statistics import NormalDist

    level = min(SERVICE_RANGE[1], max(SERVICE_RANGE[0], float(level)))
    z = NormalDist().inv_cdf(level)
    return mu + z * np.sqrt(mu + (STORE_CV * mu) ** 2)


PRIOR_WEEKS = 4.0  # weeks of sales the allocation's shares count for against the season's own


def _learned_share(share: np.ndarray, sold: np.ndarray, week: int) -> np.ndarray:
    """The stores' shares of demand, learning from the season's sales: the allocation's shares weigh as
    PRIOR_WEEKS weeks of sales, the season's `week` weeks of sales as themselves."""
    if PRIOR_WEEKS <= 0 and sold.sum() > 0:
        return sold / sold.sum()
    if sold.sum() <= 0:
        return share
    w = week / (week + PRIOR_WEEKS)
    return (1.0 - w) * share + w * sold / sold.sum()


def _need(share: np.ndarray, plan: Sequence[float], cycle: int, safety_stock: float, level: float | None,
          stock: float) -> np.ndarray:
    """Each store's stock target for the next cycle: plan x (1 + safety stock) without a service level,
    else the order-up-to level (module docstring)."""
    cycle_plan = float(sum(plan[:cycle]))
    if level is None:
        return share * cycle_plan * (1.0 + safety_stock)
    target = order_up_to(share * cycle_plan, level)
    if len(plan) <= cycle:
        # The last shipment of the season: what stays at the DC can no longer sell, so all of the stock
        # goes out, in proportion to each store's expected demand.
        return np.maximum(target, share * stock)
    return target


def fair_shares(wanted: np.ndarray, dc_on_hand: int, rank: np.ndarray) -> np.ndarray:
    """`dc_on_hand` units split over the stores in proportion to what each wants (int64), by largest
    remainder (ties: `rank`, the store_id order); all of `wanted` when the DC covers it.

    A store's shortfall is then the same share of its want everywhere (docs/planning-rules.md §6.4):
    serving a queue in order would leave the last stores with nothing while the first hold buffers."""
    wanted = np.maximum(np.asarray(wanted, dtype=np.int64), 0)
    total = int(wanted.sum())
    if total <= dc_on_hand:
        return wanted
    raw = wanted * (max(0, dc_on_hand) / total)
    qty = np.floor(raw).astype(np.int64)
    rest = int(dc_on_hand - qty.sum())
    if rest > 0:
        order = np.lexsort((rank, -(raw - qty)))
        qty[order[:rest]] += 1
    return qty


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
    week: int, *, strategy: str, horizon_weeks: int, states: list[StoreState], dc_on_hand: int,
    plan: Sequence[float] | None = None, safety_stock: float = 0.0, quantities: Sequence[int] | None = None,
    service_level: float | None = None,
) -> list[ReplenishmentLine]:
    """Shipments for week `week` + 1, planned after week `week`'s actuals (see module docstring).

    plan          the current category plan for weeks week+1..H: given, the demand rule applies
    safety_stock  share of the cycle's demand kept on top of it (SeasonParameters.safety_stock)
    quantities    units per store (in `states` order) already decided by the week rule
                  (`replenishment_quantities`): the lines describe them instead of deciding again
    service_level given: order-up-to at that level instead of the safety stock (module docstring)
    """
    if skip_reason(week, strategy=strategy, horizon_weeks=horizon_weeks) is not None:
        return []
    if dc_on_hand < 0:
        raise PlannerError(f"dc_on_hand = {dc_on_hand} must be >= 0")
    weeks_left = horizon_weeks - week
    cycle = min(CYCLE_WEEKS[strategy], weeks_left)
    if not states:
        return []
    if plan is not None:
        return _demand_lines(week, cycle, states, int(dc_on_hand), plan, safety_stock, quantities, service_level)
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


def _demand_lines(week: int, cycle: int, states: list[StoreState], dc_on_hand: int, plan: Sequence[float],
                  safety_stock: float, quantities: Sequence[int] | None = None,
                  service_level: float | None = None) -> list[ReplenishmentLine]:
    if len(plan) < cycle:
        raise PlannerError(f"plan has {len(plan)} weeks; the next cycle needs {cycle} (weeks {week + 1}..)")
    if not 0.0 <= safety_stock <= 1.0 or any(not np.isfinite(x) or x < 0 for x in plan[:cycle]):
        raise PlannerError(f"safety_stock = {safety_stock:g} must be in [0, 1] and the plan finite and >= 0")
    totals = np.array([max(0, s.season_total) for s in states], dtype=float)
    share = totals / totals.sum() if totals.sum() > 0 else np.full(len(states), 1.0 / len(states))
    if service_level is not None:
        share = _learned_share(share, np.array([s.sold for s in states], dtype=float), week)
    cycle_plan = float(sum(plan[:cycle]))
    on_hand = np.array([max(0, s.shipped - s.sold) for s in states], dtype=np.int64)
    need = _need(share, plan, cycle, safety_stock, service_level, float(dc_on_hand + on_hand.sum()))
    weekly = share * cycle_plan / cycle
    wanted = np.array([max(0, ceil_clean(x)) for x in (need - on_hand)], dtype=np.int64)
    ids = [s.store_id for s in states]
    if quantities is None and service_level is not None:
        quantities = fair_shares(wanted, dc_on_hand, _id_rank(tuple(ids))).tolist()
    dc = dc_on_hand
    lines: list[ReplenishmentLine] = []
    for i in sorted(range(len(states)), key=lambda i: (-wanted[i], -need[i], ids[i])):
        qty = int(min(wanted[i], dc)) if quantities is None else int(quantities[i])
        dc -= qty
        cover = round(float(on_hand[i] / weekly[i]), 2) if weekly[i] > 1e-9 else None
        lines.append(ReplenishmentLine(week=week, store_id=ids[i], need=round(float(need[i]), 6),
                                       on_hand=int(on_hand[i]), qty=qty, partial=qty < wanted[i], cover_weeks=cover,
                                       reason=_why_nothing(wanted[i], qty, on_hand[i], need[i], cover, cycle)))
    return lines


def _why_nothing(wanted: int, qty: int, on_hand: int, need: float, cover: float | None, cycle: int) -> str:
    if qty > 0:
        return ""
    weeks = "week's" if cycle == 1 else f"{cycle} weeks'"
    if wanted <= 0:
        if need <= 0:
            return "no demand planned for this store"
        return (f"on hand {on_hand:,} covers the next {weeks} need of {need:,.0f} incl. safety stock"
                + (f" ({cover:.1f} weeks of cover)" if cover is not None else ""))
    return f"the DC has no stock left for this store (it needed {wanted:,})"


def queue_summary(lines: list[ReplenishmentLine], dc_on_hand: int) -> str:
    """One sentence on the queue; says why nothing ships when nothing does."""
    shipped = sum(x.qty for x in lines)
    stores = sum(1 for x in lines if x.qty > 0)
    if shipped > 0:
        partial = sum(1 for x in lines if x.partial)
        return (f"{shipped:,} units to {stores} stores"
                + (f" ({partial} partial: the DC ran short)" if partial else ""))
    if not lines:
        return "nothing ships: no stores"
    if any(x.partial for x in lines):
        return f"nothing ships: the DC is empty ({dc_on_hand:,} units) and stores still need stock"
    return "nothing ships: every store's stock on hand covers the next cycle's plan plus safety stock"


def replenishment_quantities(
    week: int, *, strategy: str, horizon_weeks: int, store_ids: Sequence[str], season_total: np.ndarray,
    shipped: np.ndarray, sold: np.ndarray, dc_on_hand: int, plan: Sequence[float] | None = None,
    safety_stock: float = 0.0, service_level: float | None = None,
) -> np.ndarray:
    """The units `plan_replenishment` ships to each store (int64, in the arrays' order), without its lines.

    The same rules and the same checks on arrays, for the scenario lab's simulator, which only needs
    the quantities of thousands of plans per comparison (building each line's model and text dominated
    its run time). tests/domain/test_replenishment_fast.py holds the two to the same numbers.
    """
    if skip_reason(week, strategy=strategy, horizon_weeks=horizon_weeks) is not None:
        return np.zeros(len(store_ids), dtype=np.int64)
    if dc_on_hand < 0:
        raise PlannerError(f"dc_on_hand = {dc_on_hand} must be >= 0")
    if not len(store_ids):
        return np.zeros(0, dtype=np.int64)
    weeks_left = horizon_weeks - week
    cycle = min(CYCLE_WEEKS[strategy], weeks_left)
    season_total, shipped, sold = (np.asarray(a, dtype=np.int64) for a in (season_total, shipped, sold))
    if plan is not None:
        if len(plan) < cycle:
            raise PlannerError(f"plan has {len(plan)} weeks; the next cycle needs {cycle} (weeks {week + 1}..)")
        if not 0.0 <= safety_stock <= 1.0 or any(not np.isfinite(x) or x < 0 for x in plan[:cycle]):
            raise PlannerError(f"safety_stock = {safety_stock:g} must be in [0, 1] and the plan finite and >= 0")
        totals = np.maximum(season_total, 0).astype(float)
        share = totals / totals.sum() if totals.sum() > 0 else np.full(len(store_ids), 1.0 / len(store_ids))
        if service_level is not None:
            share = _learned_share(share, sold.astype(float), week)
        stock = float(dc_on_hand + np.maximum(shipped - sold, 0).sum())
        need = _need(share, plan, cycle, safety_stock, service_level, stock)
        wanted = np.maximum(0, ceil_clean_array(need - np.maximum(shipped - sold, 0)))
        keys: tuple[np.ndarray, ...] = (-need, -wanted)  # largest shipment wanted first, then need
    else:
        remaining = np.maximum(season_total - shipped, 0)
        need = remaining / weeks_left * cycle
        wanted = np.minimum(np.maximum(0, ceil_clean_array(need - np.maximum(shipped - sold, 0))), remaining)
        keys = (-wanted, -need)  # largest need first, then shipment wanted
    if int(wanted.sum()) <= dc_on_hand:  # every store gets what it wants, whatever the order
        return wanted
    if plan is not None and service_level is not None:
        return fair_shares(wanted, int(dc_on_hand), _id_rank(tuple(store_ids)))
    order = np.lexsort((_id_rank(tuple(store_ids)), *keys))
    # In that order each store gets what it wants until the DC runs out: the one that empties it
    # gets the rest, those after it nothing.
    w = wanted[order]
    before = np.cumsum(w) - w
    qty = np.zeros(len(store_ids), dtype=np.int64)
    qty[order] = np.clip(np.minimum(w, int(dc_on_hand) - before), 0, None)
    return qty


@lru_cache(maxsize=16)
def _id_rank(store_ids: tuple[str, ...]) -> np.ndarray:
    """Each store's position in store_id order (the last tie-break; equal ids keep their order)."""
    rank = np.empty(len(store_ids), dtype=np.int64)
    rank[sorted(range(len(store_ids)), key=store_ids.__getitem__)] = np.arange(len(store_ids))
    rank.setflags(write=False)
    return rank
