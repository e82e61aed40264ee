"""The manufacturing order: docs/planning-rules.md §4.3's rule and the profit-maximising proposal with its options.

docs/planning-rules.md §6.2:
  safety_stock  ceil(forecast total x (1 + safety stock)), the rule of docs/planning-rules.md §4.3;
  profit        the quantity with the highest expected season profit over the season-demand
                distribution (core/domain/forecast/distribution.py). For a season sold from one pool
                of stock that is the newsvendor quantity: the quantile of the season total at the
                critical fractile (price - cost) / (price - salvage). Without a unit cost there is
                no profit; the order then minimises expected lost sales + leftover units (the
                median of the season total) and says so.
The options table prices the proposal, the rule's quantity and quantities around them on the same
seeded demand paths: expected units sold, lost sales, leftover, revenue and profit, and the profit's
P10..P90. The proposal is always the option with the highest expected profit (lowest expected lost
sales + leftover without a cost).

The guard: until the forecast's intervals are calibrated a week's band can explode (a week-1 80%
interval of [26, 1e8] was seen). `plausible_season_cap` bounds any path's season total at a multiple
of the largest season total of the same length the history itself shows; `season_demand` scales the
paths above it down to it and the proposal carries a note when that happened.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from core.domain.errors import PlannerError
from core.domain.forecast.distribution import DEFAULT_PATHS, SeasonDemand, season_demand
from core.domain.models import ForecastResult
from core.domain.money import Money
from core.domain.params import SeasonParameters
from core.domain.rounding import ceil_clean

CAP_MULTIPLE = 2.0  # a season total above twice the history's largest of the same length is implausible
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
# Quantiles of the season total priced beside the proposal and the rule (the options table's rows).
OPTION_QUANTILES = (0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 0.95)


def manufacturing_order(forecast_total: float, safety_stock: float) -> int:
    """`ceil(forecast_total * (1 + safety_stock))`.

    The product is cleaned of float noise before the ceiling, so 1000 * 1.2 gives 1200 and not
    1201 (1000 * 1.2 == 1200.0000000000002 in binary floating point).
    """
    problems: list[str] = []
    if not isinstance(forecast_total, (int, float)) or not math.isfinite(forecast_total) or forecast_total < 0:
        problems.append(f"forecast_total = {forecast_total!r} must be a finite number >= 0")
    if not isinstance(safety_stock, (int, float)) or not math.isfinite(safety_stock) or not 0 <= safety_stock <= 1:
        problems.append(f"safety_stock = {safety_stock!r} is out of range: allowed [0, 1]")
    if problems:
        raise PlannerError(problems)
    return ceil_clean(float(forecast_total) * (1.0 + float(safety_stock)))


class OrderOption(BaseModel):
    quantity: int
    sold: float  # expected units sold over the season
    lost_sales: float  # expected demand not met
    leftover: float  # expected units left at season end
    revenue: float | None  # expected revenue; None when the price is unknown
    profit: float | None  # expected profit; None without a unit cost
    profit_quantiles: dict[str, float] = Field(default_factory=dict)  # p10, p25, p50, p75, p90
    label: str = ""  # "proposal", "rule", "both" or ""


class OrderDecision(BaseModel):
    policy: str  # profit | safety_stock
    quantity: int  # the proposal
    rule_quantity: int  # docs/planning-rules.md §4.3's forecast x (1 + safety stock)
    fractile: float | None  # the critical fractile used (profit policy), None for safety_stock
    ranked_by: str  # "profit" or "lost sales + leftover"
    options: list[OrderOption] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def option(self, quantity: int) -> OrderOption | None:
        return next((o for o in self.options if o.quantity == quantity), None)


def plausible_season_cap(history: pd.DataFrame | None, category: str, horizon_weeks: int) -> float | None:
    """CAP_MULTIPLE x the largest total of `horizon_weeks` consecutive weeks of the category's history
    (module docstring); None when the history has no such weeks."""
    if history is None or history.empty:
        return None
    rows = history[history["category"] == category]
    if rows.empty:
        return None
    weekly = rows.groupby(pd.to_datetime(rows["week_start"]))["quantity"].sum().sort_index()
    values = weekly.to_numpy(dtype=float)
    if values.size == 0 or not np.isfinite(values).all():
        return None
    if values.size >= horizon_weeks:
        window = np.convolve(values, np.ones(horizon_weeks), mode="valid")
        top = float(window.max())
    else:
        top = float(values.max()) * horizon_weeks
    return CAP_MULTIPLE * top if top > 0 else None


def guarded_demand(forecast: ForecastResult, cap: float | None) -> SeasonDemand:
    """The forecast's season-demand distribution with the history's cap, noting when the cap binds."""
    if cap is None:
        return season_demand(forecast)
    probe = season_demand(forecast)
    hi = float(probe.total_quantiles([0.99], n=DEFAULT_PATHS)[0])
    notes = []
    if hi > cap:
        notes.append(f"the forecast's band reaches a season total of {hi:,.0f} (P99), more than "
                     f"{CAP_MULTIPLE:g}x the history's largest {len(forecast.weeks)}-week total; season "
                     f"demand is capped at {cap:,.0f}")
    return season_demand(forecast, cap=cap, notes=notes)


def price_options(quantities: list[int], totals: np.ndarray, money: Money) -> list[OrderOption]:
    """Expected outcomes of each order quantity on the season-total paths `totals` (module docstring)."""
    d = np.asarray(totals, dtype=float)
    out = []
    for q in quantities:
        sold = np.minimum(d, float(q))
        left = float(q) - sold
        revenue = sold * money.unit_price if money.known else None
        profit = None
        if revenue is not None and money.unit_cost is not None:
            profit = revenue - money.unit_cost * q + money.salvage_value * left
        out.append(OrderOption(
            quantity=int(q), sold=round(float(sold.mean()), 1), lost_sales=round(float((d - sold).mean()), 1),
            leftover=round(float(left.mean()), 1),
            revenue=None if revenue is None else round(float(revenue.mean()), 2),
            profit=None if profit is None else round(float(profit.mean()), 2),
            profit_quantiles={} if profit is None else {
                f"p{round(q_ * 100)}": round(float(v), 2) for q_, v in zip(QUANTILES, np.quantile(profit, QUANTILES))},
        ))
    return out


def best_option(options: list[OrderOption]) -> OrderOption:
    """Highest expected profit; without profit figures the lowest expected lost sales + leftover.
    Ties go to the smaller quantity (less money at risk)."""
    if all(o.profit is not None for o in options):
        return max(options, key=lambda o: (o.profit, -o.quantity))
    return min(options, key=lambda o: (o.lost_sales + o.leftover, o.quantity))


def decide_order(forecast: ForecastResult, params: SeasonParameters, money: Money, *,
                 cap: float | None = None, n_paths: int = DEFAULT_PATHS, seed: int = 0) -> OrderDecision:
    """The order proposal of `params.order_policy` with its options table (module docstring)."""
    safety = float(params.safety_stock or 0.0)
    rule = manufacturing_order(max(0.0, forecast.total), safety)
    demand = guarded_demand(forecast, cap)
    totals = demand.total_paths(n_paths, seed)
    fractile = money.critical_fractile()
    ranked_by = "profit" if fractile is not None else "lost sales + leftover"
    notes = list(demand.notes)
    if fractile is None:
        notes.append("no unit cost: quantities are ranked by expected lost sales + leftover, not profit")
        fractile = 0.5
    core = ceil_clean(float(np.quantile(totals, fractile))) if totals.size else rule
    grid = {ceil_clean(float(v)) for v in np.quantile(totals, OPTION_QUANTILES)} | {rule, core}
    grid |= {round(core * f) for f in (0.95, 1.05)}
    # 0 is an option only when it is among them (a category that never sold: order nothing).
    options = price_options(sorted(q for q in grid if q >= 0), totals, money)
    best = best_option(options)
    chosen = rule if params.order_policy == "safety_stock" else best.quantity
    for o in options:
        o.label = "both" if o.quantity == chosen == rule else (
            "proposal" if o.quantity == chosen else ("rule" if o.quantity == rule else ""))
    if params.order_policy == "safety_stock":
        notes.append(f"order policy safety_stock: forecast {forecast.total:,.0f} x (1 + {safety:.0%})")
        return OrderDecision(policy="safety_stock", quantity=rule, rule_quantity=rule, fractile=None,
                             ranked_by=ranked_by, options=options, notes=notes)
    return OrderDecision(policy="profit", quantity=chosen, rule_quantity=rule, fractile=round(fractile, 6),
                         ranked_by=ranked_by, options=options, notes=notes)
