"""Order and markdown quantities at the approval gates: finite, bounded, read exactly
(docs/planning-rules.md §4.3, 4.8)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from core.domain.errors import QuantityOutOfRange
from core.domain.quantities import (
    MAX_ORDER_UNITS,
    accepted_order,
    markdown_depth_value,
    order_quantity,
    read_number,
)


def test_integers_are_read_exactly() -> None:
    assert read_number("9007199254740993") == 9007199254740993  # float() would give ...992
    assert isinstance(read_number("1200"), int) and read_number(" 1200 ") == 1200
    assert read_number("1e3") == 1000 and isinstance(read_number("1e3"), int)
    assert read_number("0.25") == 0.25


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "Infinity", "abc", ""])
def test_non_finite_text_is_refused(text: str) -> None:
    with pytest.raises(QuantityOutOfRange):
        read_number(text)


def test_an_absurdly_long_number_is_refused_without_building_it() -> None:
    with pytest.raises(QuantityOutOfRange, match="far too large"):
        read_number("1e999999999")


def test_order_quantity_bounds() -> None:
    assert order_quantity(1) == 1 and order_quantity(MAX_ORDER_UNITS) == MAX_ORDER_UNITS
    assert order_quantity(1500.0) == 1500 and order_quantity("1500") == 1500
    with pytest.raises(QuantityOutOfRange) as exc:
        order_quantity("9007199254740993")
    assert exc.value.messages == [
        "order quantity = 9007199254740993 is out of range: allowed a whole number of units in 1..1,000,000,000"
    ]
    for bad in (0, -5, 1e19, MAX_ORDER_UNITS + 1, math.inf, math.nan, 12.5, True, "inf", None, Decimal("NaN")):
        with pytest.raises(QuantityOutOfRange):
            order_quantity(bad)


def test_a_zero_proposal_cannot_be_accepted() -> None:
    assert accepted_order(1200.0) == 1200
    with pytest.raises(QuantityOutOfRange, match="modify it to a quantity > 0"):
        accepted_order(0.0)


def test_markdown_depth_bounds() -> None:
    assert markdown_depth_value(0.2, 0.4) == 0.2 and markdown_depth_value("0", 0.4) == 0.0
    for bad in (-0.1, 0.41, math.inf, math.nan, "inf", 1e19):
        with pytest.raises(QuantityOutOfRange):
            markdown_depth_value(bad, 0.4)
