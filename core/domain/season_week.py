"""The week rule: what the season decides once a week's sales are in (docs/planning-rules.md, "The week").

One pure function, `decide_week`, for the workflow's week step and the scenario lab's simulator
alike, so a rule changed here changes both:

  1. variance of the week against the plan in force, the original forecast and season to date;
  2. above the variance threshold (and weeks left): re-forecast the remaining weeks from the actuals,
     then re-allocate the units not yet shipped to where the demand now is;
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
from core.domain.markdown import markdown_due
from core.domain.markdown_options import MarkdownOptions, decide_markdown
from core.domain.models import ForecastResult, MarkdownProposal, VarianceRecord
from core.domain.money import Money
from core.domain.params import SeasonParameters
from core.domain.replenishment import replenishment_quantities, service_level, skip_reason
from core.domain.variance import assess_variance


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


def store_demand(totals: np.ndarray, sold: np.ndarray, rest: float) -> np.ndarray:
    """Each store's expected season demand: sold so far + its share of the rest of the plan (its share
    of sales to date; before any sale, its share of the season totals)."""
    sold_total = int(sold.sum())
    weights = sold / sold_total if sold_total > 0 else totals / (int(totals.sum()) or 1)
    demand = sold + rest * weights
    return np.where(demand > 0.0, demand, 0.0)


def decide_week(s: WeekState) -> WeekDecision:
    """The week's decisions (module docstring); `s` is not changed."""
    p = s.params
    week, h = s.week, p.horizon_weeks
    remaining = [w.plan for w in s.forecast.weeks[week:]]
    original = [w.plan * (s.shares.get(k, 1.0) if k <= week else 1.0)
                for k, w in enumerate(s.original.weeks, start=1)]
    shares_by_store = None
    if s.store_actuals is not None:
        shares_by_store = {sid: float(t) for sid, t in zip(s.store_ids, s.totals)}

    def assess(projected: list[float] | None = None) -> VarianceRecord:
        return assess_variance(week, start=s.forecast.weeks[week - 1].start, actuals=list(s.actuals),
                               plans=list(s.plans), original=original, remaining_plan=remaining,
                               available_stock=s.approved, variance_threshold=p.variance_threshold,
                               emergency_threshold=p.emergency_threshold, store_actuals=s.store_actuals,
                               store_shares=shares_by_store, projected_remaining=projected)

    first = assess()
    out = WeekDecision(record=first, first_record=first)
    forecast, totals = s.forecast, np.asarray(s.totals, dtype=np.int64)
    if first.reforecast and week < h:
        # A partial week's units stand for a whole week's demand in the re-forecast.
        observed = [a / s.shares[k] if s.shares.get(k, 0) > 0 else a for k, a in enumerate(s.actuals, start=1)]
        forecast = reforecast(s.forecast, observed, original=s.original)
        out.forecast = forecast
        out.record = assess([w.plan for w in forecast.weeks[week:]])
        rest = float(sum(w.plan for w in forecast.weeks[week:]))
        totals = reallocated_totals(s.order_qty, np.asarray(s.shipped, dtype=np.int64),
                                    store_demand(totals, np.asarray(s.sold), rest), totals)
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
                   totals: np.ndarray, shipped: np.ndarray, sold: np.ndarray) -> tuple[ForecastResult, np.ndarray]:
    """A markdown of `depth` decided at `week`: the remaining weeks' plan with the price response, and the
    units not yet shipped re-allocated to that plan (docs/planning-rules.md, "Markdown")."""
    from core.domain.forecast import apply_markdown_response

    fc = apply_markdown_response(forecast, from_week=week + 1, depth=depth, price_elasticity=params.price_elasticity)
    rest = float(sum(w.plan for w in fc.weeks[week:]))
    totals = np.asarray(totals, dtype=np.int64)
    new = reallocated_totals(
        order_qty, np.asarray(shipped, dtype=np.int64), store_demand(totals, np.asarray(sold), rest), totals
    )
    return fc, new
