from __future__ import annotations

from datetime import date

import pytest

from core.domain.errors import PlannerError
from core.domain.variance import assess_variance, relative_variance, store_variances

WEEK2 = date(2025, 2, 24)
WEEK5 = date(2025, 3, 17)


def check(week: int, actuals: list[float], plans: list[float], **kw):  # type: ignore[no-untyped-def]
    defaults = dict(
        start=WEEK5,
        original=[100.0] * 12,
        remaining_plan=[100.0] * (12 - week),
        available_stock=1000,
        variance_threshold=0.20,
        emergency_threshold=0.30,
    )
    defaults.update(kw)
    return assess_variance(week, actuals=actuals, plans=plans, **defaults)


def test_variance_against_plan_original_and_season_to_date() -> None:
    rec = check(2, [100, 130], [100, 100], start=WEEK2, original=[110, 90] + [100] * 10)
    assert rec.week == 2 and rec.start == WEEK2
    assert (rec.actual, rec.plan, rec.original) == (130.0, 100.0, 90.0)
    assert rec.variance == 0.3  # (130 - 100) / 100
    assert rec.variance_vs_original == 0.444444  # (130 - 90) / 90
    assert rec.cumulative_variance == 0.15  # (230 - 200) / 200
    assert rec.reforecast is True  # 0.30 > 0.20
    assert rec.emergency is False  # 0.30 is not strictly above 0.30
    assert rec.emergency_qty == 0


def test_cumulative_uses_the_plan_each_week_had_when_it_arrived() -> None:
    # week 3 after a re-forecast: plans 100, 100 then 150; actuals 90, 140, 150
    rec = check(3, [90, 140, 150], [100, 100, 150])
    assert rec.variance == 0.0
    assert rec.cumulative_variance == 0.085714  # (380 - 350) / 350


@pytest.mark.parametrize(("actual", "plan"), [(120.0, 100.0), (3.6, 3.0), (7.2, 6.0), (80.0, 100.0)])
def test_reforecast_trigger_is_strictly_above_the_threshold(actual: float, plan: float) -> None:
    # 3.6 vs 3 gives 0.20000000000000004 in floats: still "at" the threshold, no trigger
    rec = check(1, [actual], [plan])
    assert abs(rec.variance) == pytest.approx(0.2)
    assert rec.reforecast is False
    assert check(1, [120.01], [100.0]).reforecast is True


def test_emergency_reorder_when_projected_demand_exceeds_stock() -> None:
    # week 5: +40% (> 0.30). Projected = 540 so far + 7 x 100 x 1.4 = 1520 > 1000 -> reorder 520
    rec = check(5, [100, 100, 100, 100, 140], [100] * 5)
    assert rec.variance == 0.4
    assert (rec.reforecast, rec.emergency, rec.emergency_qty) == (True, True, 520)
    # with a re-forecast of the remaining weeks: 540 + 7 x 80 = 1100 -> 100
    rec = check(5, [100, 100, 100, 100, 140], [100] * 5, projected_remaining=[80.0] * 7)
    assert (rec.emergency, rec.emergency_qty) == (True, 100)
    # enough stock: 1520 <= 1600 -> no emergency, still a re-forecast
    rec = check(5, [100, 100, 100, 100, 140], [100] * 5, available_stock=1600)
    assert (rec.reforecast, rec.emergency, rec.emergency_qty) == (True, False, 0)
    # a big shortfall of demand never needs more stock: 450 + 700 x 0.5 = 800 < 1000
    rec = check(5, [100, 100, 100, 100, 50], [100] * 5)
    assert (rec.variance, rec.reforecast, rec.emergency) == (-0.5, True, False)
    # a weak week under a plan that already exceeds stock (e.g. lifted 1/(1-0.4) by a markdown):
    # -40% (|v| > 0.30) and projected 450 + 7 x 167 = 1619 > 1000, yet selling less than planned
    # never calls for manufacturing more
    rec = check(5, [100, 100, 100, 100, 100], [100, 100, 100, 100, 167], projected_remaining=[167.0] * 7)
    assert (rec.variance, rec.reforecast, rec.emergency, rec.emergency_qty) == (-0.401198, True, False, 0)
    # projected 1520 against 1519 units -> a reorder of 1
    assert check(5, [100, 100, 100, 100, 140], [100] * 5, available_stock=1519).emergency_qty == 1


def test_per_store_variance_against_the_store_share_of_the_plan() -> None:
    # week plan 100 split 300:200 -> 60 and 40; store c has no share and is left out
    rec = check(
        1, [130], [100],
        store_actuals={"a": 80, "b": 50, "c": 0, "d": 7},
        store_shares={"a": 300, "b": 200, "c": 0},
    )
    assert rec.store_variance == {"a": 0.333333, "b": 0.25}  # (80-60)/60, (50-40)/40
    assert store_variances(100, {}, {"a": 1}) == {"a": -1.0}  # a store that sold nothing


def test_zero_plan_convention() -> None:
    assert relative_variance(0, 0) == 0.0
    assert relative_variance(5, 0) == 1.0
    assert relative_variance(0, 10) == -1.0


def test_inconsistent_inputs_are_rejected() -> None:
    with pytest.raises(PlannerError) as err:
        check(3, [1, 2], [1, 2, 3], variance_threshold=0.4, emergency_threshold=0.3)
    assert err.value.messages == [
        "actuals (2) and plans (3) must each have 3 values (weeks 1..3)",
        "thresholds must satisfy 0 < variance_threshold (0.4) < emergency_threshold (0.3)",
    ]


def test_a_deep_shortfall_raises_an_alert_but_no_reorder() -> None:
    from core.domain.variance import emergency_rule_label, shortfall_message

    rec = check(7, [100] * 6 + [16], [100] * 7)  # -84%
    assert (rec.variance, rec.emergency, rec.shortfall, rec.emergency_qty) == (-0.84, False, True, 0)
    assert shortfall_message(rec).startswith("Week 7 sold 16 against a plan of 100 (-84%)")
    # exactly at the threshold is not beyond it; above plan is never a shortfall
    assert check(7, [100] * 6 + [70], [100] * 7).shortfall is False
    assert check(5, [100, 100, 100, 100, 140], [100] * 5).shortfall is False
    assert emergency_rule_label(0.3) == ("emergency reorder when a week sells more than 30% above plan and projected "
                                         "demand exceeds the stock; shortfall alert when it sells more than 30% below")
