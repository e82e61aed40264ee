"""The order by expected profit (docs/planning-rules.md §6.2)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.forecast.distribution import season_demand
from core.domain.forecast.intervals import Z80
from core.domain.models import ForecastResult, WeekForecast
from core.domain.money import Money
from core.domain.order import best_option, decide_order, plausible_season_cap, price_options
from core.domain.params import make_parameters

START = date(2025, 3, 3)
MONEY = Money(unit_price=1.0, unit_cost=0.5, salvage_value=0.25)


def forecast(plan: float = 1000.0, sigma: float = 0.2, weeks: int = 12) -> ForecastResult:
    band = float(np.exp(sigma * Z80))
    rows = [WeekForecast(week=k + 1, start=START + timedelta(weeks=k), plan=plan, lo=plan / band, hi=plan * band)
            for k in range(weeks)]
    return ForecastResult(category="D", method="test", weeks=rows)


def params(**kw):
    return make_parameters({"category": "D", "season_start": START.isoformat(), **kw})


def test_the_critical_fractile_quantity_on_a_uniform_demand() -> None:
    totals = np.linspace(0.0, 1000.0, 10001)  # uniform on 0..1000
    options = price_options(list(range(0, 1001, 10)), totals, MONEY)
    # (p - c) / (p - s) = 0.5 / 0.75 = 2/3: the best order is the 2/3 quantile, 667 -> 670 on the 10-unit grid
    assert best_option(options).quantity in (660, 670)
    dear = Money(unit_price=1.0, unit_cost=0.8, salvage_value=0.0)  # fractile 0.2
    assert best_option(price_options(list(range(0, 1001, 10)), totals, dear)).quantity == 200


def test_the_proposal_is_the_season_total_quantile_at_the_fractile() -> None:
    fc = forecast()
    decision = decide_order(fc, params(), MONEY)
    totals = season_demand(fc).total_paths()
    assert decision.policy == "profit" and decision.fractile == pytest.approx(2 / 3)
    assert decision.quantity == pytest.approx(np.quantile(totals, 2 / 3), rel=0.01)
    no_salvage = decide_order(fc, params(), Money(unit_price=1.0, unit_cost=0.5))  # fractile 0.5
    assert no_salvage.quantity < decision.quantity
    assert no_salvage.quantity == pytest.approx(np.quantile(totals, 0.5), rel=0.01)


def test_profit_identity_of_each_option() -> None:
    totals = np.array([800.0, 1000.0, 1200.0])
    for o in price_options([900, 1100], totals, MONEY):
        assert o.profit == pytest.approx(o.revenue - 0.5 * o.quantity + 0.25 * o.leftover, abs=0.01)
        assert o.sold + o.leftover == pytest.approx(o.quantity, abs=0.1)
        assert o.sold + o.lost_sales == pytest.approx(totals.mean(), abs=0.1)


def test_a_stated_safety_stock_gives_the_rule_order() -> None:
    p = params(safety_stock=0.25)
    assert p.order_policy == "safety_stock"
    fc = forecast(plan=1000.0)
    decision = decide_order(fc, p, MONEY)
    assert decision.quantity == decision.rule_quantity == 15000  # ceil(12,000 x 1.25)
    assert decision.option(15000).label == "both"
    assert params().order_policy == "profit" and params(order_policy="safety_stock").order_policy == "safety_stock"


def test_without_a_cost_the_order_minimises_lost_sales_plus_leftover() -> None:
    decision = decide_order(forecast(), params(), Money(unit_price=1.0))
    assert decision.ranked_by == "lost sales + leftover" and decision.options[0].profit is None
    assert any("no unit cost" in n for n in decision.notes)
    assert decision.quantity == min(decision.options, key=lambda o: o.lost_sales + o.leftover).quantity


def test_an_exploding_band_is_capped_by_the_history() -> None:
    history = pd.DataFrame({"week_start": [START - timedelta(weeks=k) for k in range(1, 30)],
                            "store_id": "S1", "category": "D", "quantity": 1000.0})
    cap = plausible_season_cap(history, "D", 12)
    assert cap == 2 * 12_000
    wild = forecast(sigma=3.0)
    decision = decide_order(wild, params(), MONEY, cap=cap)
    assert decision.quantity <= cap and any("capped" in n for n in decision.notes)


@settings(max_examples=25, deadline=None)
@given(price=st.floats(1.0, 100.0), cost_share=st.floats(0.05, 0.95), salvage_share=st.floats(0.0, 0.9),
       level=st.floats(10.0, 5000.0), sigma=st.floats(0.01, 0.6))
def test_the_proposal_is_the_argmax_of_its_own_options(price, cost_share, salvage_share, level, sigma) -> None:
    cost = price * cost_share
    money = Money(unit_price=price, unit_cost=cost, salvage_value=cost * salvage_share)
    decision = decide_order(forecast(plan=level, sigma=sigma), params(), money, n_paths=400)
    best = max(o.profit for o in decision.options)
    assert decision.option(decision.quantity).profit == best
    assert decision.option(decision.rule_quantity) is not None
