from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.domain.models import SeasonReport
from core.domain.money import history_unit_price, resolve_money
from core.domain.params import ParameterError, make_parameters
from core.domain.report import SeasonInputs, season_report

BASE = {"category": "Dresses", "season_start": "2025-03-03"}


def history(revenue: bool = True) -> pd.DataFrame:
    return pd.DataFrame({
        "week_start": pd.to_datetime(["2024-03-04"] * 3), "store_id": ["S1", "S2", "S1"],
        "category": ["Dresses", "Dresses", "Shirts"], "quantity": [10.0, 30.0, 5.0],
        "revenue": [500.0, 1300.0, 100.0] if revenue else [np.nan] * 3, "days": [7, 7, 7]})


def test_money_parameters_default_to_the_history_price_no_cost_and_usd() -> None:
    p = make_parameters(BASE)
    assert (p.unit_price, p.unit_cost, p.currency) == (None, None, "USD")
    assert make_parameters({**BASE, "currency": " eur "}).currency == "EUR"


@pytest.mark.parametrize(("values", "message"), [
    ({"unit_price": 0}, "unit_price = 0 is out of range: allowed (0, 1e+06]"),
    ({"unit_cost": -1}, "unit_cost = -1 is out of range: allowed [0, 1e+06]"),
    ({"currency": "dollars"}, "currency = 'DOLLARS' is not a currency code: allowed three letters, e.g. USD, EUR"),
    ({"unit_price": 20, "unit_cost": 25},
     "unit_cost = 25 must not exceed unit_price = 20: allowed 0 up to the unit price"),
])
def test_bad_money_values_name_the_field_value_and_range(values: dict, message: str) -> None:
    with pytest.raises(ParameterError) as exc:
        make_parameters({**BASE, **values})
    assert message in exc.value.messages


def test_history_price_is_revenue_over_units_of_the_category() -> None:
    assert history_unit_price(history(), "Dresses") == pytest.approx(1800 / 40)
    assert history_unit_price(history(), "Unknown") == pytest.approx(1900 / 45)  # all categories
    assert history_unit_price(history(revenue=False), "Dresses") == 0.0


def test_entered_price_wins_and_unknown_price_is_said() -> None:
    m = resolve_money(make_parameters({**BASE, "unit_price": 60, "unit_cost": 24}), history())
    assert (m.unit_price, m.unit_cost, m.price_source) == (60.0, 24.0, "entered")
    assert m.revenue(10, 0.2) == 480.0 and m.margin(480.0, 10) == 240.0
    m = resolve_money(make_parameters(BASE), history(revenue=False))
    assert m.price_source == "unknown" and m.revenue(10) is None and "unit price unknown" in m.warnings[0]
    m = resolve_money(make_parameters({**BASE, "unit_cost": 50}), history())
    assert m.price_source == "history" and m.margin(m.revenue(1), 1) == pytest.approx(-5.0)
    assert "above the unit price 45" in m.warnings[0]


def report(**kw) -> SeasonReport:
    params = make_parameters({**BASE, "horizon_weeks": 4, "markdown_week": 2, **kw.pop("params", {})})
    inputs = SeasonInputs(params=params, original_weekly=[100.0] * 4, final_plan_weekly=[100.0] * 4,
                          actual_weekly=[100.0, 80.0, 120.0, 110.0], approved_qty=500, markdown_depth=0.25,
                          markdown_week=2, **kw)
    return season_report(inputs)


def test_report_revenue_margin_and_currency() -> None:
    r = report(unit_price=40.0, params={"unit_cost": 15, "currency": "EUR"})
    # 410 sold: 180 at full price, 230 after the 25% markdown.
    assert r.markdown_units == 230
    assert r.revenue == pytest.approx(180 * 40 + 230 * 40 * 0.75)
    assert r.markdown_cost == pytest.approx(230 * 40 * 0.25)
    assert r.margin == pytest.approx(r.revenue - 410 * 15)
    assert (r.currency, r.unit_cost, r.unit_price) == ("EUR", 15.0, 40.0)
    data = r.model_dump(mode="json")
    assert {"revenue", "margin", "currency"} <= set(data)


def test_report_without_cost_has_no_margin_and_without_price_no_revenue() -> None:
    r = report(unit_price=40.0)
    assert r.revenue == pytest.approx(14100.0) and r.margin is None
    r = report(unit_price=0.0)
    assert r.revenue is None and r.margin is None and r.markdown_cost == 0.0
    # An entered price wins over the history's.
    assert report(unit_price=40.0, params={"unit_price": 50}).revenue == pytest.approx(14100.0 * 50 / 40)


def test_next_season_parameters_keep_the_money_settings() -> None:
    r = report(unit_price=40.0, params={"unit_price": 50, "unit_cost": 20, "currency": "GBP"})
    assert (r.next_parameters["unit_price"], r.next_parameters["unit_cost"], r.next_parameters["currency"]) == (
        50.0, 20.0, "GBP")
    assert date.fromisoformat(r.next_parameters["season_start"]).weekday() == 0


def test_closing_before_any_week_counts_only_the_holdback_as_left_at_the_dc() -> None:
    # 0 weeks observed: the initial shipment already left the DC at launch; 45% of 1,000 stayed.
    params = make_parameters({**BASE, "horizon_weeks": 4, "dc_holdback": 0.45})
    r = season_report(SeasonInputs(params=params, original_weekly=[100.0] * 4, final_plan_weekly=[100.0] * 4,
                                   actual_weekly=[], approved_qty=1000, closed_early=True))
    advice = next(a for a in r.tuning if a.parameter == "dc_holdback")
    assert advice.reason == "keep: 450 units (45.0% of the order) left at the DC (season closed early)"
    # the orchestrator's own DC figure wins when it is given
    r = season_report(SeasonInputs(params=params, original_weekly=[100.0] * 4, final_plan_weekly=[100.0] * 4,
                                   actual_weekly=[], approved_qty=1000, closed_early=True, dc_on_hand=449))
    assert next(a for a in r.tuning if a.parameter == "dc_holdback").reason.startswith("keep: 449 units (44.9%")
