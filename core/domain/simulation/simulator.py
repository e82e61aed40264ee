"""Season simulator of the scenario lab: the product's own rules (docs/planning-rules.md §4.3 .. 4.9) on given demand.

The season is run the way the workflow runs it, by calling the same domain functions, so a change to
a rule changes the simulation with it:

  order       decide_order (the order policy, docs/planning-rules.md §6.2) or the set's fixed quantity
  stores      cluster_stores + allocate (initial shipment vs DC holdback)  (4.4, 4.5)
  each week   the week rule, decide_week (core/domain/season_week.py): variance, re-forecast and
              re-allocation, replenishment, the markdown checkpoint; the workflow's week step calls it too

What the simulator adds is only what the real world supplies to the workflow: the sales. They are
censored by stock: sold = min(demand x markdown lift, the store's stock on hand), the rest is lost.
The markdown proposal is accepted as proposed unless the set fixes a depth (a Modify at the gate).

Many demand paths of one set run in lockstep, week by week: stock, sales and censoring are numpy
arrays over (path, store); the decisions call the domain functions path by path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from core.domain.allocation import allocate
from core.domain.forecast import markdown_multiplier
from core.domain.models import AllocationPlan, ClusterResult, ForecastResult
from core.domain.order import decide_order, plausible_season_cap
from core.domain.price_response import resolve_price_response
from core.domain.money import Money
from core.domain.report import SeasonInputs
from core.domain.season_week import WeekState, after_markdown, decide_week
from core.domain.simulation.parameters import ParameterSet


@dataclass(frozen=True)
class SeasonSetup:
    """One parameter set's season before the first week: the order and where it went."""

    pset: ParameterSet
    forecast: ForecastResult
    proposed_qty: int
    order_qty: int
    allocation: AllocationPlan
    unit_price: float

    @property
    def store_ids(self) -> list[str]:
        return [s.store_id for s in self.allocation.stores]


def prepare_season(pset: ParameterSet, forecast: ForecastResult, *, clusters: ClusterResult,
                   stores: pd.DataFrame, history: pd.DataFrame, unit_price: float) -> SeasonSetup:
    """Phases 1 and 2 (docs/planning-rules.md §4.3 .. 4.5): the proposed order, the decided order, the allocation.

    `history` must hold only what was known before the season (the caller cuts a replay)."""
    params, _ = resolve_price_response(pset.parameters, history)
    if params is not pset.parameters:
        pset = pset.model_copy(update={"parameters": params})
    p = pset.parameters
    price = pset.price if pset.price is not None else unit_price
    cap = plausible_season_cap(history, p.category, p.horizon_weeks)
    proposed = decide_order(forecast, p, season_money(pset, price), cap=cap).quantity
    order = pset.order_qty if pset.order_qty is not None else proposed
    plan = allocate(order, clusters, stores, history, category=p.category, season_start=p.season_start,
                    horizon_weeks=p.horizon_weeks, dc_holdback=float(p.dc_holdback or 0.0))
    return SeasonSetup(pset=pset, forecast=forecast, proposed_qty=proposed, order_qty=order, allocation=plan,
                       unit_price=float(price))


def season_money(pset: ParameterSet, unit_price: float | None) -> Money:
    """The set's price, cost and salvage: what the order, the replenishment and the markdown are priced with."""
    p = pset.parameters
    return Money(unit_price=float(unit_price or 0.0), unit_cost=pset.cost, salvage_value=float(p.salvage_value),
                 currency=p.currency)


@dataclass
class SimulationRun:
    """Everything that happened in P simulated seasons of one set (arrays: path, store, week)."""

    setup: SeasonSetup
    demand: np.ndarray  # demand after the markdown lift (P, S, W)
    sold: np.ndarray  # (P, S, W)
    received: np.ndarray  # units arriving for each week: initial in week 1, replenishment after (P, S, W)
    dc_end: np.ndarray  # units left at the DC at season end (P,)
    markdown_depth: np.ndarray  # decided depth, 0 when none (P,)
    proposed_depth: np.ndarray  # proposed depth, 0 when none (P,)
    markdown_week: int | None
    plans: np.ndarray  # plan in force for each week when its sales came in (P, W)
    reforecast_weeks: list[list[int]] = field(default_factory=list)
    final_plans: np.ndarray | None = None  # the plan of every week at season end (P, W)
    markdown_gated: np.ndarray | None = None  # the checkpoint opened an approval (P,); its proposal may be 0

    @property
    def paths(self) -> int:
        return int(self.sold.shape[0])


class _Path:
    """The decisions' state of one path: what the workflow keeps in its SeasonState."""

    __slots__ = ("forecast", "week_totals", "plans", "reforecasts", "depth", "proposed", "gated")

    def __init__(self, setup: SeasonSetup):
        self.forecast = setup.forecast
        self.week_totals: list[float] = []
        self.plans: list[float] = []
        self.reforecasts: list[int] = []
        self.depth = 0.0
        self.proposed = 0.0
        self.gated = False  # the markdown checkpoint opened an approval (its proposal may be 0)


def simulate(setup: SeasonSetup, demand: np.ndarray) -> SimulationRun:
    """Run the season of `setup` on each demand path. `demand`: full-price units (P, S, W) or (S, W),
    stores in the order of setup.store_ids, weeks 1..horizon."""
    p = setup.pset.parameters
    d = np.asarray(demand, dtype=float)
    if d.ndim == 2:
        d = d[None]
    n_paths, n_stores, h = d.shape
    if n_stores != len(setup.store_ids) or h != p.horizon_weeks:
        raise ValueError(f"demand has shape {d.shape}; expected (paths, {len(setup.store_ids)} stores, "
                         f"{p.horizon_weeks} weeks)")
    ids = setup.store_ids
    approved = setup.order_qty
    original = [w.plan for w in setup.forecast.weeks]
    initial = np.array([s.initial for s in setup.allocation.stores], dtype=np.int64)
    totals = np.tile(np.array([s.season_total for s in setup.allocation.stores], dtype=np.int64), (n_paths, 1))
    shipped = np.tile(initial, (n_paths, 1))
    sold_cum = np.zeros((n_paths, n_stores), dtype=np.int64)
    dc = np.full(n_paths, setup.allocation.dc_on_hand, dtype=np.int64)
    received = np.zeros((n_paths, n_stores, h), dtype=np.int64)
    received[:, :, 0] = initial
    sold = np.zeros((n_paths, n_stores, h), dtype=np.int64)
    effective = np.zeros((n_paths, n_stores, h), dtype=np.int64)
    lift = np.ones(n_paths)
    paths = [_Path(setup) for _ in range(n_paths)]
    fixed = setup.pset.markdown_depth

    for week in range(1, h + 1):
        # Sales: demand at this week's price, censored by each store's stock on hand.
        want = np.floor(d[:, :, week - 1] * lift[:, None] + 0.5).astype(np.int64)
        got = np.minimum(want, shipped - sold_cum)
        effective[:, :, week - 1] = want
        sold[:, :, week - 1] = got
        sold_cum += got
        week_total = got.sum(axis=1)
        for i, path in enumerate(paths):
            _decide_week(setup, path, i, week, float(week_total[i]), original, approved, ids, totals, shipped,
                         sold_cum, dc, received, fixed, lift, sold)
    return SimulationRun(
        setup=setup, demand=effective, sold=sold, received=received, dc_end=dc,
        markdown_depth=np.array([pt.depth for pt in paths]), proposed_depth=np.array([pt.proposed for pt in paths]),
        markdown_gated=np.array([pt.gated for pt in paths]),
        markdown_week=p.markdown_week, plans=np.array([pt.plans for pt in paths], dtype=float),
        reforecast_weeks=[pt.reforecasts for pt in paths],
        final_plans=np.array([[w.plan for w in pt.forecast.weeks] for pt in paths], dtype=float),
    )


def _decide_week(setup: SeasonSetup, path: _Path, i: int, week: int, total: float, original: list[float],
                 approved: int, ids: list[str], totals: np.ndarray, shipped: np.ndarray, sold_cum: np.ndarray,
                 dc: np.ndarray, received: np.ndarray, fixed: float | None, lift: np.ndarray, sold: np.ndarray
                 ) -> None:
    """The week rule (core/domain/season_week.py) for path i; its decisions applied to the arrays in place.
    It sees each store's weeks so far (sold, received: (P, S, W)), as the workflow's store actuals and
    shipments, so stockouts are read the same way (docs/planning-rules.md §4.7)."""
    p = setup.pset.parameters
    h = p.horizon_weeks
    fc = path.forecast
    path.week_totals.append(total)
    path.plans.append(float(fc.weeks[week - 1].plan))
    decision = decide_week(WeekState(
        week=week, params=p, original=setup.forecast, forecast=fc, approved=approved,
        order_qty=setup.allocation.order_qty, store_ids=ids, totals=totals[i], shipped=shipped[i],
        sold=sold_cum[i], dc_on_hand=int(dc[i]), actuals=path.week_totals, plans=path.plans,
        money=season_money(setup.pset, setup.unit_price), store_weekly_sold=sold[i, :, :week],
        store_weekly_received=received[i, :, :week]))
    if decision.forecast is not None:
        path.forecast = decision.forecast
        path.reforecasts.append(week)
    if decision.totals is not None:
        totals[i] = decision.totals
    if decision.ship is not None:
        qty = decision.ship
        shipped[i] += qty
        received[i, :, week] += qty  # planned after week k, on the shelf in week k+1
        dc[i] -= int(qty.sum())
    if decision.markdown is None:
        return
    proposal, options = decision.markdown
    if not options.gate_opens:
        return
    path.gated = True
    path.proposed = proposal.depth
    depth = proposal.depth if fixed is None else float(fixed)
    path.depth = depth
    if depth > 0 and week < h:
        lift[i] = markdown_multiplier(depth, p.price_elasticity)
        path.forecast, totals[i] = after_markdown(path.forecast, week, depth, p, order_qty=setup.allocation.order_qty,
                                                  totals=totals[i], shipped=shipped[i], sold=sold_cum[i],
                                                  weekly_sold=sold[i, :, :week],
                                                  weekly_received=received[i, :, :week], plans=path.plans)


def report_inputs(run: SimulationRun, path: int = 0, *, runtime_s: float = 0.0) -> SeasonInputs:
    """The season report's inputs (docs/planning-rules.md §4.9) of one simulated path, as the workflow gathers them."""
    setup = run.setup
    p = setup.pset.parameters
    ids = setup.store_ids
    md = run.markdown_depth[path]
    decisions = ["accepted" if setup.pset.order_qty is None or setup.order_qty == setup.proposed_qty else "modified"]
    gated = bool(run.markdown_gated[path]) if run.markdown_gated is not None else run.proposed_depth[path] > 0
    if gated:
        decisions.append("accepted" if setup.pset.markdown_depth is None or md == run.proposed_depth[path]
                         else "modified")
    return SeasonInputs(
        params=p, original_weekly=[w.plan for w in setup.forecast.weeks],
        final_plan_weekly=[float(x) for x in run.plans[path]],
        actual_weekly=[float(x) for x in run.sold[path].sum(axis=0)],
        store_sold={sid: [int(x) for x in run.sold[path, k]] for k, sid in enumerate(ids)},
        store_shipped={sid: [int(x) for x in run.received[path, k]] for k, sid in enumerate(ids)},
        approved_qty=setup.order_qty, markdown_depth=float(md),
        markdown_week=run.markdown_week if gated else None,
        unit_price=setup.unit_price,
        approvals_accepted=decisions.count("accepted"), approvals_modified=decisions.count("modified"),
        reforecast_weeks=list(run.reforecast_weeks[path]), runtime_s=runtime_s, closed_early=False,
    )


def season_dates(setup: SeasonSetup) -> list[date]:
    return [w.start for w in setup.forecast.weeks]
