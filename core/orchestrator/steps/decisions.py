"""The value an approval decision records (docs/planning-rules.md §4.3 order quantity, 4.8 markdown depth).

The bounds are the domain's (core/domain/quantities.py): an order is a whole number of units in
1..1,000,000,000 and a proposal of 0 units cannot be accepted (sell-through would divide by zero at
the markdown checkpoint); a depth is a finite fraction in [0, markdown_cap].
"""

from __future__ import annotations

from core.domain.errors import QuantityOutOfRange
from core.domain.params import ParameterError, SeasonParameters
from core.domain.quantities import accepted_order, markdown_depth_value, order_quantity


def decided_value(kind: str, accept: bool, value: float | int | str | None, reason: str | None, proposed: float,
                  params: SeasonParameters) -> float:
    """Accept takes the proposal; Modify needs a valid value and a reason (ParameterError otherwise)."""
    if accept:
        if value is not None and _differs(value, proposed):
            raise ParameterError(f"accept takes the proposed value {proposed:g}; to change it, modify with a "
                                 "value and a reason")
        return float(accepted_order(proposed)) if kind == "order" else proposed
    problems: list[str] = []
    if value is None:
        problems.append(f"modify needs a value: the new {'order quantity' if kind == 'order' else 'markdown depth'}")
    if reason is None:
        problems.append("modify needs a reason (why the proposal is changed)")
    checked: float | None = None
    if value is not None:
        try:
            checked = float(order_quantity(value)) if kind == "order" else markdown_depth_value(
                value, params.markdown_cap)
        except QuantityOutOfRange as exc:
            problems.extend(exc.messages)
    if problems or checked is None:
        raise ParameterError(problems)
    return checked


def _differs(value: float | int | str, proposed: float) -> bool:
    try:
        return float(value) != proposed
    except (TypeError, ValueError):
        return True
