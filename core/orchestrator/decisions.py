"""The value an approval decision records (SPEC 4.3 order quantity, 4.8 markdown depth)."""

from __future__ import annotations

from core.domain.params import ParameterError, SeasonParameters


def decided_value(kind: str, accept: bool, value: float | None, reason: str | None, proposed: float,
                  params: SeasonParameters) -> float:
    """Accept takes the proposal; Modify needs a valid value and a reason (ParameterError otherwise)."""
    if accept:
        if value is not None and float(value) != proposed:
            raise ParameterError(f"accept takes the proposed value {proposed:g}; to change it, modify with a "
                                 "value and a reason")
        return proposed
    problems: list[str] = []
    if value is None:
        problems.append(f"modify needs a value: the new {'order quantity' if kind == 'order' else 'markdown depth'}")
    if reason is None:
        problems.append("modify needs a reason (why the proposal is changed)")
    if value is not None:
        v = float(value)
        if kind == "order" and (v != v or v <= 0 or v != int(v)):
            problems.append(f"order quantity = {value!r} is not allowed: a whole number of units > 0")
        if kind == "markdown" and not (0.0 <= v <= params.markdown_cap):
            problems.append(f"markdown depth = {value!r} is out of range: allowed [0, {params.markdown_cap:g}] "
                            f"(markdown_cap; 0.2 = 20%)")
    if problems:
        raise ParameterError(problems)
    return float(int(float(value))) if kind == "order" else round(float(value), 6)  # type: ignore[arg-type]
