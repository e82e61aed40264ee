"""Money figures of a season: unit price, optional unit cost, currency, revenue and margin.

The unit price is the planner's entry (SeasonParameters.unit_price) or, when left empty, the average
selling price of the history: revenue / quantity over the category's rows that carry revenue (all
categories' rows when the category has none). With neither, the price is unknown (0.0) and every money
figure is reported as unknown rather than as zero revenue.

Revenue of units sold at a markdown depth d is units x price x (1 - d). Gross margin is revenue minus
the unit cost of the units sold (margin on units sold); it does not charge unsold stock. Season profit
does (docs/planning-rules.md §6):

    profit = revenue - unit cost x units made + salvage value x units left over

and it is what every choice is ranked by. Without a unit cost there is neither margin nor profit, and
choices are ranked by lost sales + leftover units instead (the callers say so).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel

from core.domain.params import SeasonParameters

PriceSource = Literal["entered", "history", "unknown"]


class Money(BaseModel):
    unit_price: float  # 0.0 = unknown
    unit_cost: float | None = None
    salvage_value: float = 0.0
    currency: str = "USD"
    price_source: PriceSource = "unknown"
    warnings: list[str] = []

    @property
    def known(self) -> bool:
        return self.unit_price > 0

    def revenue(self, units: float, depth: float = 0.0) -> float | None:
        """Revenue of `units` sold at markdown `depth`; None when the price is unknown."""
        if not self.known:
            return None
        return round(float(units) * self.unit_price * (1.0 - depth), 2)

    def margin(self, revenue: float | None, units_sold: float) -> float | None:
        """Gross margin: revenue - unit cost x units sold; None without a price or a cost."""
        if revenue is None or self.unit_cost is None:
            return None
        return round(revenue - float(units_sold) * self.unit_cost, 2)

    @property
    def has_profit(self) -> bool:
        return self.known and self.unit_cost is not None

    def profit(self, revenue: float | None, units_made: float, leftover: float) -> float | None:
        """Season profit: revenue - unit cost x units made + salvage value x leftover; None when unknown."""
        if revenue is None or self.unit_cost is None:
            return None
        return round(revenue - float(units_made) * self.unit_cost + float(leftover) * self.salvage_value, 2)

    def critical_fractile(self) -> float | None:
        """(price - cost) / (price - salvage): the demand quantile a profit-maximising order reaches."""
        if not self.has_profit or self.unit_price <= self.salvage_value:
            return None
        return min(1.0, max(0.0, (self.unit_price - float(self.unit_cost or 0.0))
                            / (self.unit_price - self.salvage_value)))


def history_unit_price(history: pd.DataFrame | None, category: str) -> float:
    """Average selling price of the history (module docstring); 0.0 when it has no revenue."""
    if history is None or history.empty or "revenue" not in history.columns:
        return 0.0
    with_revenue = history[history["revenue"].notna() & (history["quantity"] > 0)]
    for rows in (with_revenue[with_revenue["category"] == category], with_revenue):
        qty = float(rows["quantity"].sum())
        if qty > 0:
            return round(float(rows["revenue"].sum()) / qty, 4)
    return 0.0


def resolve_money(params: SeasonParameters, history: pd.DataFrame | None = None, *,
                  history_price: float | None = None) -> Money:
    """The season's money settings: the entered price wins over the history's average price."""
    warnings: list[str] = []
    source: PriceSource
    if params.unit_price is not None:
        price, source = float(params.unit_price), "entered"
    else:
        price = history_price if history_price is not None else history_unit_price(history, params.category)
        source = "history" if price > 0 else "unknown"
        if source == "unknown":
            warnings.append("unit price unknown: the history has no revenue and none was entered; "
                            "money figures are not shown")
    cost = params.unit_cost
    if cost is not None and price > 0 and cost > price:
        warnings.append(f"unit cost {cost:g} is above the unit price {price:g} {params.currency} taken from "
                        "the history: every unit sold loses money")
    return Money(unit_price=price, unit_cost=cost, salvage_value=float(params.salvage_value or 0.0),
                 currency=params.currency, price_source=source, warnings=warnings)
