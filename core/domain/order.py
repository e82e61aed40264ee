"""Manufacturing order (SPEC 4.3): forecast total plus safety stock, rounded up to whole units."""

from __future__ import annotations

import math

from core.domain.errors import PlannerError
from core.domain.rounding import ceil_clean


def manufacturing_order(forecast_total: float, safety_stock: float) -> int:
    """`ceil(forecast_total * (1 + safety_stock))`.

    The product is cleaned of float noise before the ceiling, so 1000 * 1.2 gives 1200 and not
    1201 (1000 * 1.2 == 1200.0000000000002 in binary floating point).
    """
    problems: list[str] = []
    if not isinstance(forecast_total, (int, float)) or not math.isfinite(forecast_total) or forecast_total < 0:
        problems.append(f"forecast_total = {forecast_total!r} must be a finite number >= 0")
    if not isinstance(safety_stock, (int, float)) or not math.isfinite(safety_stock) or not 0 <= safety_stock <= 1:
        problems.append(f"safety_stock = {safety_stock!r} is out of range: allowed [0, 1]")
    if problems:
        raise PlannerError(problems)
    return ceil_clean(float(forecast_total) * (1.0 + float(safety_stock)))
