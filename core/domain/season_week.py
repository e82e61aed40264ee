"""The week rule: what the season decides once a week's sales are in (docs/planning-rules.md, "The week").

One pure function, `decide_week`, for the workflow's week step and the scenario lab's simulator
alike, so a rule changed here changes both:

  1. variance of the week against the plan in force, the original forecast and season to date;
  2. above the variance threshold (and weeks left): re-forecast the remaining weeks from the actuals,
     then re-allocate the units not yet shipped to where the demand now is; where stores ran out,
     both read the demand estimated behind the stockouts instead of the censored sales;
  3. replenishment for the next week from the DC (or the reason it is skipped);
  4. at the markdown checkpoint: the proposal and its options.

The caller supplies the state before the decision (`WeekState`) and applies the `WeekDecision`: the
workflow turns it into events, plan rows and approval requests; the simulator into array updates.
Nothing here reads a clock, a database or a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.domain.allocation import reallocated_totals
from core.domain.forecast import reforecast
from core.domain.forecast.stockouts import StockoutEstimate, estimate_lost_sales, stocked_out
from core.domain.markdown import markdown_due
from core.domain.markdown_options import MarkdownOptions, decide_markdown
from core.domain.models import ForecastResult, MarkdownProposal, VarianceRecord
from core.domain.money import Money
from core.domain.params import SeasonParameters
from core.domain.replenishment import replenishment_quantities, service_level, skip_reason
from core.domain.variance import assess_variance, beyond, relative_variance


@dataclass(frozen=True)
class WeekState:
    """The season right after week `week`'s sales: stock arrays are per store in `store_ids` order."""

    week: int
    params: SeasonParameters
    original: ForecastResult  # the forecast the order was made from
    forecast: ForecastResult  # the plan in force when this week's sales came in
    approved: int  # the approved manufacturing quantity
    order_qty: int  # the allocation's order quantity (what re-allocation redistributes)
    store_ids: Sequence[str]
    totals: np.ndarray  # each store's season total (int)
    shipped: np.ndarray  # shipped so far, before this week's replenishment (int)
    sold: np.ndarray  # sold so far, this week included (int)
    dc_on_hand: int
    actuals: Sequence[float]  # category sales of weeks 1..week as recorded
    plans: Sequence[float]  # the plan each of weeks 1..week had when its sales came in
    money: Money
    # Confirmed partial weeks: week -> share of its plan its days carry (variance against that part;
    # a re-forecast reads the week grossed up to a whole week).
    shares: Mapping[int, float] = field(default_factory=dict)
    store_actuals: Mapping[str, float] | None = None  # this week by store, for the per-store variance
    # Weeks 1..week by store (S, week), in `store_ids` order: units sold, and units that reached the
    # store for each week (the initial shipment in week 1, a replenishment planned after week k in
    # week k+1). With both, stockouts are seen (docs/planning-rules.md §4.7); None: sales stand as demand.
    store_weekly_sold: np.ndarray | None = None
    store_weekly_received: np.ndarray | None = None


@dataclass
class WeekDecision:
    record: VarianceRecord  # after the re-forecast when there was one
    first_record: VarianceRecord  # before it: what the week looked like against the plan in force
    forecast: ForecastResult | None = None  # the re-forecast (None: the plan stands)
    totals: np.ndarray | None = None  # re-allocated season totals (None: unchanged)
    skip: str | None = None  # why no replenishment runs after this week
    ship: np.ndarray | None = None  # units shipped to each store for next week (None when skipped)
    markdown: tuple[MarkdownProposal, MarkdownOptions] | None = None  # at the checkpoint
    final_week_trigger: bool = False  # above the threshold in the last week: nothing left to re-forecast
    # This week's category demand estimated behind its stockouts (None: no store ran out this week or
    # nothing was estimated lost), and its variance against the week's plan.
    estimated_demand: float | None = None
    demand_variance: float | None = None


def demand_behind_stockouts(weekly_sold: np.ndarray | None, weekly_received: np.ndarray | None,
                            plans: Sequence[float]) -> StockoutEstimate | None:
    """The demand estimated behind the stockouts of weeks 1..k (forecast/stockouts.py), or None when
    there is nothing to read: no arrays, no store ran out, or no demand was estimated lost (a store
    with no stock and no sales). `plans`: each week's plan, used for weeks in which every store ran out."""
    if weekly_sold is None or weekly_received is None:
        return None
    sold = np.asarray(weekly_sold, dtype=float)
    if sold.ndim != 2 or sold.size == 0:
        return None
    censored = stocked_out(sold, np.asarray(weekly_received, dtype=float))
    if not censored.any():
        return None
    est = estimate_lost_sales(sold, censored=censored, plan=list(plans)[: sold.shape[1]])
    return est if est.lost.sum() > 1e-9 else None


def store_demand(totals: np.ndarray, sold: np.ndarray, rest: float, shares: np.ndarray | None = None) -> np.ndarray:
    """Each store's expected season demand: sold so far + its share of the rest of the plan (its share
    of sales to date; before any sale, its share of the season totals). `shares`: each store's share
    of demand estimated behind stockouts (docs/planning-rules.md §4.7), read instead of its share of
    sales, so a store that ran out is not starved of the units still to ship."""
    sold_total = int(sold.sum())
    if shares is not None:
        weights = np.asarray(shares, dtype=float)
    else:
        weights = sold / sold_total if sold_total > 0 else totals / (int(totals.sum()) or 1)
    demand = sold + rest * weights
    return np.where(demand > 0.0, demand, 0.0)


def _seen_demand(s: WeekState, est: StockoutEstimate | None) -> tuple[list[float], float | None, float | None]:
    """(category demand of weeks 1..week, this week's estimated demand and its variance against its plan):
    the recorded actuals plus the demand estimated lost behind stockouts; the two None when this week
    lost nothing."""
    if est is None:
        return list(s.actuals), None, None
    lost = est.lost.sum(axis=0)
    demand = [float(a) + float(x) for a, x in zip(s.actuals, lost)]
    if lost[-1] <= 1e-9:
        return demand, None, None
    return demand, demand[-1], relative_variance(demand[-1], float(s.plans[-1]))


def decide_week(s: WeekState) -> WeekDecision:
    """The week's decisions (module docstring); `s` is not changed.

    Stockouts (docs/planning-rules.md §4.7): the variance the planner sees stays sales against plan,
    but the re-forecast also fires when this week's demand estimated behind its stockouts is beyond the
    threshold, since a store that ran out sold what it had and an under-stocked hot week can look on
    plan. Either way the re-forecast reads the estimated demand of every week so far, and the
    re-allocation the stores' estimated shares of demand.
    """
    p = s.params
    week, h = s.week, p.horizon_weeks
    remaining = [w.plan for w in s.forecast.weeks[week:]]
    original = [w.plan * (s.shares.get(k, 1.0) if k <= week else 1.0)
                for k, w in enumerate(s.original.weeks, start=1)]
    shares_by_store = None
    if s.store_actuals is not None:
        shares_by_store = {sid: float(t) for sid, t in zip(s.store_ids, s.totals)}
    est = demand_behind_stockouts(s.store_weekly_sold, s.store_weekly_received, s.plans)
    demand, week_demand, demand_variance = _seen_demand(s, est)
    hidden = demand_variance is not None and beyond(demand_variance, p.variance_threshold)

    def assess(projected: list[float] | None = None) -> VarianceRecord:
        rec = assess_variance(week, start=s.forecast.weeks[week - 1].start, actuals=list(s.actuals),
                              plans=list(s.plans), original=original, remaining_plan=remaining,
                              available_stock=s.approved, variance_threshold=p.variance_threshold,
                              emergency_threshold=p.emergency_threshold, store_actuals=s.store_actuals,
                              store_shares=shares_by_store, projected_remaining=projected)
        return rec.model_copy(update={"reforecast": True}) if hidden and not rec.reforecast else rec

    first = assess()
    out = WeekDecision(record=first, first_record=first, estimated_demand=week_demand,
                       demand_variance=demand_variance)
    forecast, totals = s.forecast, np.asarray(s.totals, dtype=np.int64)
    if first.reforecast and week < h:
        # A partial week's units stand for a whole week's demand in the re-forecast.
        observed = [a / s.shares[k] if s.shares.get(k, 0) > 0 else a for k, a in enumerate(demand, start=1)]
        forecast = reforecast(s.forecast, observed, original=s.original)
        out.forecast = forecast
        out.record = assess([w.plan for w in forecast.weeks[week:]])
        rest = float(sum(w.plan for w in forecast.weeks[week:]))
        weights = est.shares if est is not None else None
        totals = reallocated_totals(s.order_qty, np.asarray(s.shipped, dtype=np.int64),
                                    store_demand(totals, np.asarray(s.sold), rest, weights), totals)
        out.totals = totals
    elif first.reforecast:
        out.final_week_trigger = True
        out.record = first.model_copy(update={"reforecast": False})
    out.skip = skip_reason(week, strategy=p.replenishment, horizon_weeks=h)
    if out.skip is None:
        out.ship = replenishment_quantities(
            week, strategy=p.replenishment, horizon_weeks=h, store_ids=list(s.store_ids), season_total=totals,
            shipped=s.shipped, sold=s.sold, dc_on_hand=int(s.dc_on_hand),
            plan=[w.plan for w in forecast.weeks[week:]], safety_stock=float(p.safety_stock or 0.0),
            service_level=service_level(s.money))
    if markdown_due(week, p):
        out.markdown = decide_markdown(week, int(np.asarray(s.sold).sum()), s.approved, p, money=s.money,
                                       remaining_plan=[w.plan for w in forecast.weeks[week:]],
                                       actuals=list(s.actuals), plans=list(s.plans))
    return out


def after_markdown(forecast: ForecastResult, week: int, depth: float, params: SeasonParameters, *, order_qty: int,
                   totals: np.ndarray, shipped: np.ndarray, sold: np.ndarray, weekly_sold: np.ndarray | None = None,
                   weekly_received: np.ndarray | None = None, plans: Sequence[float] = ()
                   ) -> tuple[ForecastResult, np.ndarray]:
    """A markdown of `depth` decided at `week`: the remaining weeks' plan with the price response, and the
    units not yet shipped re-allocated to that plan (docs/planning-rules.md, "Markdown"). With the weeks'
    store sales and receipts (as in `WeekState`) the stores' shares are those of the demand estimated
    behind stockouts, as in the week rule's re-allocation (docs/planning-rules.md §4.7)."""
    from core.domain.forecast import apply_markdown_response

    fc = apply_markdown_response(forecast, from_week=week + 1, depth=depth, price_elasticity=params.price_elasticity)
    rest = float(sum(w.plan for w in fc.weeks[week:]))
    totals = np.asarray(totals, dtype=np.int64)
    est = demand_behind_stockouts(weekly_sold, weekly_received, plans)
    weights = est.shares if est is not None else None
    new = reallocated_totals(
        order_qty, np.asarray(shipped, dtype=np.int64), store_demand(totals, np.asarray(sold), rest, weights), totals
    )
    return fc, new
