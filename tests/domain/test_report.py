from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from pydantic import ValidationError

from core.domain.params import SeasonParameters, make_parameters
from core.domain.report import SeasonInputs, season_report, unit_price

PARAMS = SeasonParameters(category="x", season_start=date(2025, 2, 17), horizon_weeks=4, markdown_week=2,
                          dc_holdback=0.45)


def four_week_inputs(**overrides) -> SeasonInputs:  # type: ignore[no-untyped-def]
    data = dict(
        params=PARAMS,
        original_weekly=[100, 100, 100, 100],
        final_plan_weekly=[90, 100, 90, 70],
        actual_weekly=[90, 110, 80, 70],
        store_sold={"a": [50, 60, 40, 40], "b": [40, 50, 40, 30]},
        store_shipped={"a": [100, 0, 50, 0], "b": [80, 0, 30, 0]},
        approved_qty=500,
        markdown_depth=0.10,
        markdown_week=2,
        unit_price=20.0,
        approvals_accepted=1,
        approvals_modified=1,
        reforecast_weeks=[4, 2],
        runtime_s=1.23456,
    )
    data.update(overrides)
    return SeasonInputs(**data)


def test_season_report_worked_by_hand() -> None:
    r = season_report(four_week_inputs())
    # original 100/week vs actual 90, 110, 80, 70: errors 10, 10, 20, 30
    #   MAPE = (10/90 + 10/110 + 20/80 + 30/70) / 4 = (0.111111 + 0.090909 + 0.25 + 0.428571) / 4 = 0.220148
    #   WAPE = 70 / 350 = 0.2; bias = (400 - 350) / 350 = 0.142857
    assert r.mape["original"] == 0.220148
    assert r.wape["original"] == 0.2
    assert r.bias["original"] == 0.142857
    # final 90, 100, 90, 70: errors 0, 10, 10, 0 -> MAPE (10/110 + 10/80) / 4 = 0.053977,
    #   WAPE 20 / 350 = 0.057143, bias 0
    assert (r.mape["final"], r.wape["final"], r.bias["final"]) == (0.053977, 0.057143, 0.0)
    # a: cum shipped 100, 100, 150, 150 vs cum sold 50, 110, 150, 190 -> out in weeks 2, 3, 4
    # b: cum shipped 80, 80, 110, 110 vs cum sold 40, 90, 130, 160 -> out in weeks 2, 3, 4
    assert r.stockout_store_weeks == 6
    # lost: both stores are out in weeks 2..4, so the chain's demand of those weeks is the final plan
    #   (100, 90, 70) split by the stores' shares of demand (a ~0.553, b ~0.447, solved with the
    #   censored weeks): week 2 a 55.3 < 60, b 44.7 < 50 -> 0; week 3 a 49.8 - 40 = 9.8, b 40.2 - 40 = 0.2;
    #   week 4 a 38.7 < 40 -> 0, b 31.3 - 30 = 1.3; total 11.3 -> 11
    assert r.lost_sales_estimate == r.lost_sales_estimated == 11
    assert r.overstock_units == 150  # 500 - 350
    assert r.sell_through == 0.7  # 350 / 500
    # markdown decided at week 2, effective weeks 3..4: 80 + 70 = 150 units; cost 150 x 20 x 0.10
    assert (r.markdown_units, r.markdown_cost, r.unit_price) == (150, 300.0, 20.0)
    assert r.reforecast_weeks == [2, 4]
    assert r.approvals == {"accepted": 1, "modified": 1}
    assert r.runtime_s == 1.235
    assert r.weeks_observed == 4 and r.closed_early is False

    advice = {a.parameter: a for a in r.tuning}
    # 6 of 8 store-weeks out (75% > 5%) -> safety stock 0.20 -> 0.25
    assert (advice["safety_stock"].current, advice["safety_stock"].recommended) == (0.2, 0.25)
    assert advice["safety_stock"].reason.startswith("6 of 8 store-weeks (75.0%) ran out of stock, about 11 units")
    # DC unused: 500 - 260 shipped = 240 (48% > 10%) -> holdback 0.45 -> 0.35
    assert (advice["dc_holdback"].current, advice["dc_holdback"].recommended) == (0.45, 0.35)
    assert advice["dc_holdback"].reason.startswith("240 units (48.0% of the order) were still at the DC")
    # checkpoint week 2: (90 + 110) / 500 = 0.40, 0.20 under target -> late -> week 1
    assert (advice["markdown_week"].current, advice["markdown_week"].recommended) == (2, 1)
    assert "the markdown came late" in advice["markdown_week"].reason
    # 2 re-forecasts in 4 weeks is not more than half -> keep
    assert (advice["variance_threshold"].recommended, advice["variance_threshold"].reason) == (
        0.2, "keep: a re-forecast fired in 2 of 4 weeks"
    )

    nxt = r.next_parameters
    assert nxt["season_start"] == "2026-02-16"  # 52 weeks on: still a Monday
    assert (nxt["safety_stock"], nxt["dc_holdback"], nxt["markdown_week"]) == (0.25, 0.35, 1)
    assert make_parameters(nxt).horizon_weeks == 4
    # exportable as JSON
    assert json.loads(r.model_dump_json())["tuning"][0]["parameter"] == "safety_stock"


def test_no_markdown_means_no_markdown_units_and_closed_early_keeps_stock_advice() -> None:
    r = season_report(four_week_inputs(markdown_depth=0.0, actual_weekly=[90, 110],
                                       store_sold={"a": [10, 10]}, store_shipped={"a": [100, 0]}, closed_early=True))
    assert (r.markdown_units, r.markdown_cost) == (0, 0.0)
    assert r.weeks_observed == 2 and r.stockout_store_weeks == 0 and r.lost_sales_estimate == 0
    advice = {a.parameter: a for a in r.tuning}
    # sell-through 200/500 = 0.4 would lower safety stock, but the season closed early -> keep
    assert advice["safety_stock"].recommended == 0.2
    assert (
        advice["safety_stock"].reason == "keep: stockout store-weeks 0.0% and sell-through 40.0% (season closed early)"
    )
    assert advice["dc_holdback"].recommended == 0.45


def test_zero_sales_give_undefined_accuracy() -> None:
    r = season_report(four_week_inputs(actual_weekly=[0, 0], store_sold={}, store_shipped={}, markdown_depth=0.0))
    assert r.mape == {"original": None, "final": None}
    assert r.wape == {"original": None, "final": None}
    assert r.sell_through == 0.0 and r.overstock_units == 500


def test_inputs_are_validated() -> None:
    with pytest.raises(ValidationError) as err:
        four_week_inputs(actual_weekly=[1, 2, 3, 4, 5], approved_qty=0)
    text = str(err.value)
    assert "actual_weekly has 5 weeks; the season has 4" in text
    assert "approved_qty = 0 must be > 0" in text
    assert "store_sold: stores a, b do not have 5 weeks" in text


def test_unit_price_from_history_revenue() -> None:
    h = pd.DataFrame(
        {
            "category": ["x", "x", "x", "y"],
            "quantity": [10.0, 30.0, 100.0, 10.0],
            "revenue": [250.0, 650.0, float("nan"), 1000.0],
        }
    )
    assert unit_price(h, "x") == 22.5  # (250 + 650) / (10 + 30); the row without revenue is left out
    assert unit_price(h, "z") == 38.0  # no revenue for z: all categories (250 + 650 + 1000) / (10 + 30 + 10)
    assert unit_price(h.assign(revenue=float("nan")), "x") == 0.0  # no revenue at all: unknown
