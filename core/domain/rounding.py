"""Integer splits that never create or lose a unit (largest-remainder / Hamilton method).

Every allocation level (clusters, stores, initial vs DC) goes through `largest_remainder`, so each
level sums exactly to its parent whatever the weights are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Fractions are compared after rounding to this many decimals, so that float noise
# (0.1 + 0.2 = 0.30000000000000004) cannot decide which store gets the last unit: true ties
# are then broken by position, which is deterministic.
_FRACTION_DECIMALS = 9
# Float products such as 1000 * 1.2 = 1200.0000000000002 are treated as the integer they denote.
_INTEGER_TOLERANCE = 1e-9


def largest_remainder(total: int, weights: Sequence[float] | np.ndarray) -> list[int]:
    """Split `total` units in proportion to `weights`; the parts sum to `total` exactly.

    Each part first gets the floor of its quota `total * w / sum(w)`; the units left over go one
    each to the parts with the largest fractional remainders, ties to the earlier position.
    All-zero weights split equally (earlier positions get the odd units).
    """
    if isinstance(total, bool) or int(total) != total or total < 0:
        raise ValueError(f"total = {total!r} must be a whole number >= 0")
    total = int(total)
    w = np.asarray(list(weights), dtype=float)
    if w.size == 0:
        if total == 0:
            return []
        raise ValueError(f"cannot split {total} units over an empty list of weights")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite numbers")
    if np.any(w < 0):
        raise ValueError(f"weights must be >= 0; got {float(w.min()):g}")
    weight_sum = float(w.sum())
    if weight_sum <= 0:
        w = np.ones_like(w)
        weight_sum = float(w.size)
    quotas = total * (w / weight_sum)
    floors = np.floor(quotas + _INTEGER_TOLERANCE)
    fractions = np.round(np.clip(quotas - floors, 0.0, None), _FRACTION_DECIMALS)
    parts = floors.astype(np.int64)
    left = total - int(parts.sum())
    # Stable sort on -fraction: largest remainder first, earlier index on ties.
    order = np.argsort(-fractions, kind="stable")
    if left > 0:
        # `left` is below the number of parts except under extreme float error; cycle to be safe.
        idx = order[np.arange(left) % order.size]
        np.add.at(parts, idx, 1)
    elif left < 0:
        # Only reachable through float error: take back from the smallest remainders with units.
        for i in order[::-1]:
            if left == 0:
                break
            if parts[i] > 0:
                parts[i] -= 1
                left += 1
    return [int(p) for p in parts]


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves up, ignoring float noise below 1e-9."""
    return int(math.floor(x + 0.5 + _INTEGER_TOLERANCE))


def ceil_clean(x: float) -> int:
    """Ceiling that treats values within 1e-9 (relative) of an integer as that integer."""
    nearest = round(x)
    if abs(x - nearest) <= _INTEGER_TOLERANCE * max(1.0, abs(x)):
        return int(nearest)
    return int(math.ceil(x))


def ceil_clean_array(x: np.ndarray) -> np.ndarray:
    """`ceil_clean` of each element (int64): the same rule, for arrays of the scenario lab's hot loops."""
    x = np.asarray(x, dtype=float)
    nearest = np.rint(x)  # halves to even, as round() does
    close = np.abs(x - nearest) <= _INTEGER_TOLERANCE * np.maximum(1.0, np.abs(x))
    out = np.ceil(x)
    np.copyto(out, nearest, where=close)
    return out.astype(np.int64)


def ceiling_operand(total: float, factor: float, result: int) -> str:
    """`total` written with as few decimals (0..3) as make ceil(shown x factor) == result, so a
    formula shown to the planner gives its own result back (175,973.6 shown as 175,974 made
    ceil(175,974 x 1.25) = 219,968 against an order of 219,967)."""
    for decimals in (0, 1, 2, 3):
        shown = round(float(total), decimals)
        if math.ceil(round(shown * factor, 6)) == result:
            return f"{shown:,.{decimals}f}"
    return f"{float(total):,.3f}"
