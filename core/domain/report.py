"""Season report (docs/planning-rules.md §4.9): accuracy, stock outcomes, markdown cost, approvals, tuning advice.

Definitions (weeks 1..n are the weeks with actuals; n < horizon when the season closed early):
  MAPE  = mean over weeks with actual > 0 of |actual - plan| / actual
  WAPE  = sum |actual - plan| / sum actual
  bias  = (sum plan - sum actual) / sum actual   (positive = the plan was too high)
  each for the original forecast and for the final plan (the plan in force for each week when
  its actuals arrived, i.e. what the season was actually run on); None when nothing sold.
  stockout store-week: the store's cumulative sold reached its cumulative shipped that week.
  lost sales estimated: the demand behind each stockout store-week read from the stores that were in
  stock (core/domain/forecast/stockouts.py: the store's share of the chain's demand that week; the
  final plan where every store was out) minus what it sold, summed and rounded half up
  (`lost_sales_estimated`; `lost_sales_estimate` carries the same figure for existing readers).
  overstock = max(0, approved - sold); sell-through = sold / approved.
  markdown units = units sold after the markdown took effect (weeks markdown_week+1..n) when the
  approved depth is > 0; markdown cost = markdown units x unit price x depth (revenue given up).
  revenue = unit price x (sold - markdown units x depth); margin = revenue - unit cost x sold (gross
  margin on units sold); profit = revenue - unit cost x approved + salvage value x (approved - sold)
  (core/domain/money.py); None when the price (for margin and profit: the cost) is unknown.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, model_validator

from core.domain.accuracy import error_metrics
from core.domain.models import SeasonReport, TuningAdvice
from core.domain.money import Money, history_unit_price
from core.domain.params import SeasonParameters, make_parameters
from core.domain.rounding import round_half_up
from core.domain.tuning import tuning_advice

_DECIMALS = 6


class SeasonInputs(BaseModel):
    """Everything the season report needs, gathered by the orchestrator at season end."""

    params: SeasonParameters
    original_weekly: list[float]  # original forecast, weeks 1..H
    final_plan_weekly: list[float]  # plan in force for each week when its actuals arrived, weeks 1..H
    actual_weekly: list[float]  # category actuals, weeks 1..n (n <= H)
    store_sold: dict[str, list[int]] = Field(default_factory=dict)  # store -> units sold, weeks 1..n
    # store -> units received for each week 1..n (week 1 = initial shipment; week k+1 = the
    # replenishment planned after week k's actuals)
    store_shipped: dict[str, list[int]] = Field(default_factory=dict)
    approved_qty: int
    markdown_depth: float = 0.0  # approved depth; 0 = no markdown
    markdown_week: int | None = None  # checkpoint week the markdown was decided at
    markdown_proposed: float | None = None  # depth the checkpoint proposed (0: it said no markdown was needed)
    unit_price: float = 0.0  # the history's average price; 0 = unknown. An entered params.unit_price wins.
    unit_cost: float | None = None  # None: params.unit_cost (itself optional)
    approvals_accepted: int = 0
    approvals_modified: int = 0
    reforecast_weeks: list[int] = Field(default_factory=list)
    runtime_s: float = 0.0
    closed_early: bool = False
    dc_on_hand: int | None = None  # units at the DC at the close; None: derived from the shipments

    @model_validator(mode="after")
    def _check(self) -> "SeasonInputs":
        h = self.params.horizon_weeks
        n = len(self.actual_weekly)
        errors = []
        if len(self.original_weekly) < n or len(self.final_plan_weekly) < n:
            errors.append(f"original_weekly and final_plan_weekly need at least {n} weeks (the observed weeks)")
        if n > h:
            errors.append(f"actual_weekly has {n} weeks; the season has {h}")
        if self.approved_qty <= 0:
            errors.append(f"approved_qty = {self.approved_qty} must be > 0")
        for name, table in (("store_sold", self.store_sold), ("store_shipped", self.store_shipped)):
            bad = [s for s, v in table.items() if len(v) != n]
            if bad:
                errors.append(f"{name}: stores {', '.join(bad[:10])} do not have {n} weeks")
        if set(self.store_sold) != set(self.store_shipped) and self.store_shipped:
            errors.append("store_sold and store_shipped must cover the same stores")
        if errors:
            raise ValueError(" | ".join(errors))
        return self


def unit_price(history: pd.DataFrame, category: str) -> float:
    """Average selling price of the history (see core.domain.money.history_unit_price)."""
    return history_unit_price(history, category)


def accuracy(actual: np.ndarray, plan: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(MAPE, WAPE, bias) of `plan` against `actual`, as fractions; None when undefined."""
    metrics = error_metrics(plan, actual) if actual.size else {}
    return tuple(None if k not in metrics else round(metrics[k], _DECIMALS)  # type: ignore[return-value]
                 for k in ("mape", "wape", "bias"))


def stockouts(sold: np.ndarray, shipped: np.ndarray, plan: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Stockout mask (stores x weeks) and the lost sales estimated behind it (module docstring)."""
    from core.domain.forecast.stockouts import estimate_lost_sales, stocked_out

    if sold.size == 0:
        return np.zeros_like(sold, dtype=bool), 0
    out = stocked_out(sold, shipped)  # the stockout rule the estimate itself uses
    estimate = estimate_lost_sales(sold, censored=out, plan=plan)
    return out, round_half_up(float(np.clip(estimate.lost, 0.0, None).sum()))


def season_report(inputs: SeasonInputs) -> SeasonReport:
    p = inputs.params
    n = len(inputs.actual_weekly)
    actual = np.asarray(inputs.actual_weekly, dtype=float)
    original = np.asarray(inputs.original_weekly[:n], dtype=float)
    final = np.asarray(inputs.final_plan_weekly[:n], dtype=float)
    mape_o, wape_o, bias_o = accuracy(actual, original)
    mape_f, wape_f, bias_f = accuracy(actual, final)

    store_count, stockout_store_weeks, lost, shipped_total = _store_stockouts(inputs, n, final)

    total_sold = float(actual.sum())
    approved = inputs.approved_qty
    sell_through = round(total_sold / approved, _DECIMALS)
    overstock = max(0, round_half_up(approved - total_sold))
    dc_unused = dc_left(inputs, shipped_total)

    md_units = 0
    if inputs.markdown_depth > 0 and inputs.markdown_week is not None:
        md_units = round_half_up(float(actual[inputs.markdown_week:].sum()))
    money = season_money(inputs)
    md_cost = round(md_units * money.unit_price * inputs.markdown_depth, 2)
    revenue = money.revenue(total_sold - md_units * inputs.markdown_depth)
    margin = money.margin(revenue, total_sold)
    profit = money.profit(revenue, approved, max(0.0, approved - total_sold))

    advice = _tuning(inputs, actual, store_weeks=store_count * n, stockout_store_weeks=stockout_store_weeks,
                     lost_sales=lost, sell_through=sell_through, dc_unused=dc_unused, bias_original=bias_o)
    return SeasonReport(
        mape={"original": mape_o, "final": mape_f},
        wape={"original": wape_o, "final": wape_f},
        bias={"original": bias_o, "final": bias_f},
        weeks_observed=n,
        stockout_store_weeks=stockout_store_weeks,
        lost_sales_estimate=lost,
        lost_sales_estimated=lost,
        overstock_units=overstock,
        sell_through=sell_through,
        markdown_units=md_units,
        markdown_cost=md_cost,
        unit_price=money.unit_price,
        unit_cost=money.unit_cost,
        currency=money.currency,
        revenue=revenue,
        margin=margin,
        profit=profit,
        salvage_value=money.salvage_value,
        reforecast_weeks=sorted(inputs.reforecast_weeks),
        approvals={"accepted": inputs.approvals_accepted, "modified": inputs.approvals_modified},
        runtime_s=round(inputs.runtime_s, 3),
        closed_early=inputs.closed_early,
        tuning=advice,
        next_parameters=next_parameters(p, advice),
    )


def _tuning(
    inputs: SeasonInputs,
    actual: np.ndarray,
    *,
    store_weeks: int,
    stockout_store_weeks: int,
    lost_sales: int,
    sell_through: float,
    dc_unused: int,
    bias_original: float | None,
) -> list[TuningAdvice]:
    """The tuning advice for the next season (docs/planning-rules.md §4.9) from this season's figures."""
    p, n, approved = inputs.params, len(inputs.actual_weekly), inputs.approved_qty
    checkpoint_st = None
    if p.markdown_week is not None and n >= p.markdown_week:
        checkpoint_st = float(actual[: p.markdown_week].sum()) / approved
    return tuning_advice(
        p,
        weeks_observed=n,
        store_weeks=store_weeks,
        stockout_store_weeks=stockout_store_weeks,
        lost_sales=lost_sales,
        sell_through=sell_through,
        dc_unused=dc_unused,
        approved_qty=approved,
        checkpoint_sell_through=checkpoint_st,
        reforecast_count=len(inputs.reforecast_weeks),
        bias_original=bias_original,
        closed_early=inputs.closed_early,
        checkpoint_proposed=inputs.markdown_proposed,
    )


def _store_stockouts(inputs: SeasonInputs, n: int, final: np.ndarray) -> tuple[int, int, int, int]:
    """Stores, store-weeks that ran out, the sales lost to them (estimated) and the units shipped to stores."""
    stores = sorted(inputs.store_sold)
    sold = np.array([inputs.store_sold[s] for s in stores], dtype=float).reshape(len(stores), n)
    shipped = np.array([inputs.store_shipped.get(s, [0] * n) for s in stores], dtype=float).reshape(len(stores), n)
    out_mask, lost = stockouts(sold, shipped, plan=final)
    return len(stores), int(out_mask.sum()), lost, int(shipped.sum())


def dc_left(inputs: SeasonInputs, shipped_total: int) -> int:
    """Units still at the DC at the close. With no week observed nothing has shipped into the weeks
    yet, but the initial shipment left the DC at launch: only the holdback is there."""
    if inputs.dc_on_hand is not None:
        return max(0, inputs.dc_on_hand)
    if not inputs.actual_weekly:
        return round_half_up(inputs.approved_qty * float(inputs.params.dc_holdback or 0.0))
    return max(0, inputs.approved_qty - shipped_total) if inputs.store_shipped else 0


def season_money(inputs: SeasonInputs) -> Money:
    p = inputs.params
    price = float(p.unit_price) if p.unit_price is not None else inputs.unit_price
    cost = inputs.unit_cost if inputs.unit_cost is not None else p.unit_cost
    return Money(unit_price=price, unit_cost=cost, salvage_value=float(p.salvage_value), currency=p.currency,
                 price_source="entered" if p.unit_price is not None else ("history" if price > 0 else "unknown"))


def next_parameters(params: SeasonParameters, advice: list) -> dict:
    """This season's parameters with the recommendations applied and the start moved 52 weeks on.

    52 weeks keep the start on a Monday and on the same retail week. The result is validated as
    SeasonParameters (ParameterError if a rule were ever broken) and returned as JSON-ready data.
    """
    data = params.model_dump(mode="json", exclude={"season_start_requested"})
    for a in advice:
        data[a.parameter] = a.recommended
    data["season_start"] = (params.season_start + timedelta(weeks=52)).isoformat()
    return make_parameters(data).model_dump(mode="json", exclude={"season_start_requested"})
