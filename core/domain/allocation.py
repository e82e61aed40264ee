"""Allocation of the order to stores with DC holdback, and re-allocation after a re-forecast (4.7).

Stock goes where demand is (docs/planning-rules.md §6.4):
  basis "recent" (the default): each store's season total is the order x its share of the category's
      units sold in the last RECENT_WEEKS weeks before the season; a store without any sales of the
      category in the history is given the sales a store of its floor space sells (the median units
      per square foot of the stores with sales). Clusters are the sums of their stores. The window
      was chosen by replaying past seasons of both benchmark data sets (docs/performance.md).
  basis "last_year" (docs/planning-rules.md §4.5 as written, the seed's rule): cluster share = the cluster's share of
      the category's sales in the same weeks last year; within it, store factor = 0.7 x share of the
      cluster's sales + 0.3 x share of its floor space.
Then initial shipment vs DC reserve (holdback). Every level is split with `largest_remainder`, so
each level sums exactly to its parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from core.domain.errors import PlannerError
from core.domain.models import (
    AllocationPlan,
    ClusterAllocation,
    ClusterResult,
    StoreAllocation,
    StoreState,
)
from core.domain.rounding import largest_remainder, round_half_up

SALES_WEIGHT = 0.7
SPACE_WEIGHT = 0.3
RECENT_WEEKS = 13
SHARE_BASES = ("recent", "last_year")


def last_year_window(season_start: date, horizon_weeks: int) -> tuple[date, date]:
    """Monday..Sunday span of the same calendar weeks one year earlier (52 weeks back).

    52 weeks (364 days) keep Monday on Monday, so last year's week k lines up with this year's.
    """
    start = season_start - timedelta(weeks=52)
    return start, start + timedelta(days=7 * horizon_weeks - 1)


def store_sales_basis(
    stores: pd.DataFrame,
    history: pd.DataFrame | None,
    *,
    category: str,
    season_start: date,
    horizon_weeks: int,
) -> tuple[pd.Series, str]:
    """Units sold per store that the cluster and store shares are computed from, and its label.

    Same weeks last year when the category sold anything then; else all of the category's history;
    else each store's `avg_weekly_sales_12mo` (a store with no rows counts 0 units).
    """
    ids = stores["store_id"].astype(str).to_numpy()
    rows = (
        history[history["category"] == category]
        if history is not None and not history.empty
        else pd.DataFrame(columns=["week_start", "store_id", "quantity"])
    )
    if not rows.empty:
        lo, hi = last_year_window(season_start, horizon_weeks)
        weeks = pd.to_datetime(rows["week_start"])
        window = rows[(weeks >= pd.Timestamp(lo)) & (weeks <= pd.Timestamp(hi))]
        by_store = window.groupby(window["store_id"].astype(str))["quantity"].sum().reindex(ids, fill_value=0.0)
        if float(by_store.sum()) > 0:
            return by_store.astype(float), f"same weeks last year ({lo.isoformat()}..{hi.isoformat()})"
        by_store = rows.groupby(rows["store_id"].astype(str))["quantity"].sum().reindex(ids, fill_value=0.0)
        if float(by_store.sum()) > 0:
            return by_store.astype(float), "all history (no category sales in the same weeks last year)"
    fallback = pd.Series(
        pd.to_numeric(stores["avg_weekly_sales_12mo"], errors="coerce").fillna(0.0).to_numpy(), index=ids
    )
    return fallback.clip(lower=0.0), f"avg_weekly_sales_12mo (no history for {category!r})"


def split_initial(season_totals: list[int], order_qty: int, dc_holdback: float) -> list[int]:
    """Initial shipment per store; the DC keeps season_total - initial.

    The chain-wide initial is round_half_up(order x (1 - holdback)); it is split over the stores by
    largest remainder weighted by season total, so each store's initial is its season total x
    (1 - holdback) up to one unit and never above its season total.
    """
    total_initial = min(order_qty, round_half_up(order_qty * (1.0 - dc_holdback)))
    return largest_remainder(total_initial, season_totals)


def allocate(
    order_qty: int,
    clusters: ClusterResult,
    stores: pd.DataFrame,
    history: pd.DataFrame,
    *,
    category: str,
    season_start: date,
    horizon_weeks: int,
    dc_holdback: float,
    basis: str = "recent",
) -> AllocationPlan:
    """Split the approved order over clusters, stores, and initial shipment vs DC reserve."""
    problems: list[str] = []
    if isinstance(order_qty, bool) or int(order_qty) != order_qty or order_qty < 0:
        problems.append(f"order_qty = {order_qty!r} must be a whole number >= 0")
    if not 0.0 <= dc_holdback <= 0.9:
        problems.append(f"dc_holdback = {dc_holdback!r} is out of range: allowed [0, 0.9]")
    ids = stores["store_id"].astype(str).to_numpy()
    unassigned = [s for s in ids if s not in clusters.assignments]
    if unassigned:
        problems.append(f"stores without a cluster: {', '.join(unassigned[:20])}")
    if basis not in SHARE_BASES:
        problems.append(f"basis = {basis!r} is not allowed: allowed {', '.join(SHARE_BASES)}")
    if problems:
        raise PlannerError(problems)
    order_qty = int(order_qty)
    if basis == "recent":
        return _allocate_recent(order_qty, clusters, stores, history, category=category, season_start=season_start,
                                dc_holdback=dc_holdback)

    sales, basis = store_sales_basis(
        stores, history, category=category, season_start=season_start, horizon_weeks=horizon_weeks
    )
    space = pd.Series(
        pd.to_numeric(stores["store_size_sqft"], errors="coerce").fillna(0.0).clip(lower=0).to_numpy(), index=ids
    )
    cluster_of = pd.Series([clusters.assignments[s] for s in ids], index=ids)
    names = [c.name for c in clusters.clusters if (cluster_of == c.name).any()]

    cluster_sales = np.array([float(sales[cluster_of == n].sum()) for n in names])
    cluster_units = largest_remainder(order_qty, cluster_sales)
    sales_total = float(cluster_sales.sum())

    season_total = pd.Series(0, index=ids, dtype=np.int64)
    cluster_rows: list[ClusterAllocation] = []
    for name, c_sales, units in zip(names, cluster_sales, cluster_units):
        members = ids[(cluster_of == name).to_numpy()]
        s = sales[members].to_numpy(dtype=float)
        f = space[members].to_numpy(dtype=float)
        sales_share = s / s.sum() if s.sum() > 0 else np.full(len(s), 1.0 / len(s))
        space_share = f / f.sum() if f.sum() > 0 else np.full(len(f), 1.0 / len(f))
        factor = SALES_WEIGHT * sales_share + SPACE_WEIGHT * space_share
        season_total[members] = largest_remainder(units, factor)
        share = c_sales / sales_total if sales_total > 0 else 1.0 / len(names)
        cluster_rows.append(ClusterAllocation(name=name, stores=len(members), share=round(share, 6), units=units))

    totals = [int(v) for v in season_total.to_numpy()]
    initial = split_initial(totals, order_qty, dc_holdback)
    store_rows = [
        StoreAllocation(store_id=str(s), cluster=str(cluster_of[s]), season_total=t, initial=i, dc_reserve=t - i)
        for s, t, i in zip(ids, totals, initial)
    ]
    return AllocationPlan(
        order_qty=order_qty, dc_holdback=float(dc_holdback), clusters=cluster_rows, stores=store_rows, share_basis=basis
    )


def recent_store_sales(stores: pd.DataFrame, history: pd.DataFrame | None, *, category: str,
                       season_start: date, weeks: int | None = None) -> tuple[np.ndarray, str]:
    """Units per store (stores frame order) behind the "recent" shares, and the label (module docstring)."""
    weeks = weeks or RECENT_WEEKS
    ids = stores["store_id"].astype(str).to_numpy()
    space = pd.to_numeric(stores["store_size_sqft"], errors="coerce").fillna(0.0).clip(lower=0).to_numpy(dtype=float)
    rows = (history[history["category"] == category] if history is not None and not history.empty
            else pd.DataFrame(columns=["week_start", "store_id", "quantity"]))
    stamps = pd.to_datetime(rows["week_start"])
    rows = rows[stamps < pd.Timestamp(season_start)]
    stamps = stamps[stamps < pd.Timestamp(season_start)]
    label = f"last {weeks} weeks' sales"
    if rows.empty:
        fallback = pd.to_numeric(stores["avg_weekly_sales_12mo"], errors="coerce").fillna(0.0).clip(lower=0.0)
        return fallback.to_numpy(dtype=float), f"avg_weekly_sales_12mo (no history for {category!r})"
    last = stamps.max()
    window = rows[stamps > last - pd.Timedelta(weeks=weeks)]
    sales = window.groupby(window["store_id"].astype(str))["quantity"].sum().reindex(ids, fill_value=0.0)
    sales = sales.to_numpy(dtype=float)
    ever = set(rows.loc[rows["quantity"] > 0, "store_id"].astype(str))
    missing = np.array([i not in ever for i in ids])
    if missing.any():
        known = ~missing & (space > 0)
        with np.errstate(over="ignore"):
            per_sqft = float(np.median(sales[known] / space[known])) if known.any() else 0.0
        per_sqft = per_sqft if np.isfinite(per_sqft) else 0.0
        sales[missing] = space[missing] * per_sqft
        label += f"; floor space for {int(missing.sum())} stores without history"
    return sales, label


def _allocate_recent(order_qty: int, clusters: ClusterResult, stores: pd.DataFrame, history: pd.DataFrame,
                     *, category: str, season_start: date, dc_holdback: float) -> AllocationPlan:
    ids = stores["store_id"].astype(str).to_numpy()
    sales, basis = recent_store_sales(stores, history, category=category, season_start=season_start)
    weights = sales if sales.sum() > 0 else np.ones(len(ids))
    totals = [int(v) for v in largest_remainder(order_qty, weights.tolist())]
    cluster_of = [clusters.assignments[s] for s in ids]
    names = [c.name for c in clusters.clusters if c.name in set(cluster_of)]
    total_w = float(weights.sum())
    cluster_rows = []
    for name in names:
        member = np.array([c == name for c in cluster_of])
        units = int(np.array(totals)[member].sum())
        cluster_rows.append(ClusterAllocation(name=name, stores=int(member.sum()),
                                              share=round(float(weights[member].sum()) / total_w, 6), units=units))
    initial = split_initial(totals, order_qty, dc_holdback)
    store_rows = [StoreAllocation(store_id=str(s), cluster=str(c), season_total=t, initial=i, dc_reserve=t - i)
                  for s, c, t, i in zip(ids, cluster_of, totals, initial)]
    return AllocationPlan(order_qty=order_qty, dc_holdback=float(dc_holdback), clusters=cluster_rows,
                          stores=store_rows, share_basis=basis)


def reallocate_remaining(
    plan: AllocationPlan, states: list[StoreState], demand: Mapping[str, float]
) -> AllocationPlan:
    """New store season totals after a re-forecast; units not yet shipped follow the updated demand.

    Rule:
      * total stays `plan.order_qty`; what stores have been shipped is fixed, so
        pool = order_qty - sum(shipped) is the stock still at the DC to redistribute;
      * `demand[store]` is the store's updated expected season demand on any scale (e.g. its
        season-to-date sales, or its share of the re-forecast); target = order_qty x its share;
      * each store's extra units = largest_remainder(pool, max(0, target - shipped)), i.e. stores
        that have received less than their new target get the pool in proportion to their gap;
        when no store has a gap (or demand is all zero) the pool follows `demand` itself, and with
        no demand at all it follows the old season totals;
      * new season_total = shipped + extra (never below shipped); initial is unchanged (it was
        shipped already) and dc_reserve = season_total - initial.
    A store without a state is taken as shipped its initial only. Cluster units and shares are
    re-summed from the stores. No unit is created or lost.
    """
    by_id = {s.store_id: s for s in states}
    planned = {s.store_id for s in plan.stores}
    unknown = [sid for sid in by_id if sid not in planned]
    if unknown:
        raise PlannerError(f"store states for stores not in the plan: {', '.join(unknown[:20])}")
    ids = [s.store_id for s in plan.stores]
    shipped = np.array(
        [by_id[i].shipped if i in by_id else s.initial for i, s in zip(ids, plan.stores)], dtype=np.int64
    )
    d = np.array([max(0.0, float(demand.get(i, 0.0))) for i in ids])
    new_totals = reallocated_totals(plan.order_qty, shipped, d, np.array([s.season_total for s in plan.stores]))
    return with_season_totals(plan, dict(zip(ids, (int(t) for t in new_totals))))


def with_season_totals(plan: AllocationPlan, totals: Mapping[str, int]) -> AllocationPlan:
    """`plan` with new store season totals (a re-allocation): initial shipments stay, the DC reserve and the
    cluster units and shares follow."""
    store_rows = [
        StoreAllocation(store_id=s.store_id, cluster=s.cluster, season_total=int(totals[s.store_id]), initial=s.initial,
                        dc_reserve=int(totals[s.store_id]) - s.initial)
        for s in plan.stores
    ]
    units_by_cluster: dict[str, int] = {}
    for r in store_rows:
        units_by_cluster[r.cluster] = units_by_cluster.get(r.cluster, 0) + r.season_total
    cluster_rows = []
    for c in plan.clusters:
        units = units_by_cluster.get(c.name, 0)
        share = units / plan.order_qty if plan.order_qty else 0.0
        cluster_rows.append(ClusterAllocation(name=c.name, stores=c.stores, share=round(share, 6), units=units))
    return AllocationPlan(
        order_qty=plan.order_qty,
        dc_holdback=plan.dc_holdback,
        clusters=cluster_rows,
        stores=store_rows,
        share_basis=f"{plan.share_basis}; remaining stock re-allocated by updated demand",
    )


def reallocated_totals(
    order_qty: int, shipped: np.ndarray, demand: np.ndarray, season_totals: np.ndarray
) -> np.ndarray:
    """The new season totals of `reallocate_remaining` (its rule, above) on arrays in the plan's store order.

    shipped (int) and demand (float, >= 0) per store; season_totals: the plan's current ones. The
    scenario lab's simulator calls this directly: it needs only the totals, hundreds of times a season.
    """
    pool = order_qty - int(shipped.sum())
    if pool < 0:
        raise PlannerError(f"stores were shipped {int(shipped.sum())} units, more than the order of {order_qty}")
    if demand.sum() > 0:
        target = order_qty * demand / demand.sum()
        gap = np.clip(target - shipped, 0.0, None)
        weights = gap if gap.sum() > 0 else demand
    else:
        weights = np.asarray(season_totals, dtype=float)
    return shipped + np.array(largest_remainder(pool, weights), dtype=np.int64)
