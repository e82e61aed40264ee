from __future__ import annotations

from datetime import date

import pytest

from core.domain.errors import PlannerError
from core.domain.order import manufacturing_order
from core.domain.params import SeasonParameters


def test_order_is_forecast_plus_safety_stock_rounded_up() -> None:
    assert manufacturing_order(1000, 0.20) == 1200  # 1000 * 1.2 = 1200.0000000000002 in floats -> 1200
    assert manufacturing_order(1000, 0.25) == 1250
    assert manufacturing_order(833.4, 0.25) == 1042  # 833.4 * 1.25 = 1041.75 -> 1042
    assert manufacturing_order(8001, 0.20) == 9602  # 8001 * 1.2 = 9601.2 -> 9602
    assert manufacturing_order(100.5, 0.0) == 101
    assert manufacturing_order(0, 0.2) == 0


def test_safety_stock_defaults_follow_the_replenishment_strategy() -> None:
    weekly = SeasonParameters(category="Women's Dresses", season_start=date(2025, 2, 17))
    none = SeasonParameters(category="Women's Dresses", season_start=date(2025, 2, 17), replenishment="none")
    assert weekly.safety_stock == 0.20
    assert none.safety_stock == 0.25
    # forecast 4,000: 4000 * 1.20 = 4800; 4000 * 1.25 = 5000
    assert manufacturing_order(4000, weekly.safety_stock) == 4800
    assert manufacturing_order(4000, none.safety_stock) == 5000


@pytest.mark.parametrize(
    ("total", "ss", "message"),
    [(-5, 0.2, "forecast_total = -5"), (float("nan"), 0.2, "forecast_total = nan"), (100, 1.5, "safety_stock = 1.5")],
)
def test_bad_input_names_the_value(total: float, ss: float, message: str) -> None:
    with pytest.raises(PlannerError, match=message):
        manufacturing_order(total, ss)
