"""Bounds of the quantities a planner types at an approval gate (docs/planning-rules.md §4.3 order, 4.8 markdown).

An order is a whole number of units in 1..MAX_ORDER_UNITS: 0 would make sell-through a division by
zero at the markdown checkpoint, and anything near 2**63 overflows the int64 arithmetic of the
allocation. Values typed as text are read exactly (decimal, never through a binary float), so
9007199254740993 is reported as itself, not as 9007199254740992.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from numbers import Real

from core.domain.errors import QuantityOutOfRange

# A billion units is a thousand times the largest order the demo or the benchmarks ever propose;
# with it every sum the season makes (stores x weeks x units) stays far inside int64.
MAX_ORDER_UNITS = 1_000_000_000
_INTEGER = re.compile(r"[+-]?\d+")
_MAX_DIGITS = 40  # a longer number is out of range whatever it is; never build it


def read_number(text: str, *, what: str = "value") -> int | float:
    """The number in `text`: an int when it is a whole number (exactly), else a float.

    Raises QuantityOutOfRange for text that is not a finite number.
    """
    s = str(text).strip()
    if _INTEGER.fullmatch(s) and len(s) <= _MAX_DIGITS:
        return int(s)
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise QuantityOutOfRange(f"{what} = {text!r} is not a number") from None
    if not d.is_finite():
        raise QuantityOutOfRange(f"{what} = {text!r} is not a finite number")
    if d.adjusted() >= _MAX_DIGITS:
        raise QuantityOutOfRange(f"{what} = {text} is out of range: far too large")
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def _finite(value: object, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)):
        raise QuantityOutOfRange(f"{what} = {value!r} is not a number")
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        raise QuantityOutOfRange(f"{what} = {value!r} is not a finite number")
    return number


def order_quantity(value: object) -> int:
    """A modified order: a whole number of units in 1..MAX_ORDER_UNITS."""
    if isinstance(value, str):
        value = read_number(value, what="order quantity")
    number = _finite(value, "order quantity")
    allowed = f"allowed a whole number of units in 1..{MAX_ORDER_UNITS:,}"
    if isinstance(number, float) and not number.is_integer():
        raise QuantityOutOfRange(f"order quantity = {number!r} is not a whole number: {allowed}")
    units = int(number)
    if not 1 <= units <= MAX_ORDER_UNITS:
        raise QuantityOutOfRange(f"order quantity = {units} is out of range: {allowed}")
    return units


def accepted_order(proposed: float) -> int:
    """The proposal as approved by Accept; a proposal of 0 units cannot be accepted."""
    units = int(proposed)
    if units <= 0:
        raise QuantityOutOfRange(
            f"the proposed order is {units} units (the forecast is 0), which cannot be accepted: nothing "
            "would be bought and sell-through could never be measured; modify it to a quantity > 0 with a reason")
    if units > MAX_ORDER_UNITS:
        raise QuantityOutOfRange(f"the proposed order of {units:,} units is above {MAX_ORDER_UNITS:,}; "
                                 "modify it to a smaller quantity with a reason")
    return units


def markdown_depth_value(value: object, cap: float) -> float:
    """A modified markdown depth: a finite fraction in [0, cap] (0.2 = 20%)."""
    if isinstance(value, str):
        value = read_number(value, what="markdown depth")
    number = float(_finite(value, "markdown depth"))
    if not 0.0 <= number <= cap:
        raise QuantityOutOfRange(f"markdown depth = {value!r} is out of range: allowed [0, {cap:g}] "
                                 "(markdown_cap; 0.2 = 20%)")
    return round(number, 6)
