from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.rounding import ceil_clean, largest_remainder, round_half_up


def test_floors_then_largest_fractions_get_the_leftover_units() -> None:
    # quotas 10 * (2, 3, 5)/10 = 2, 3, 5 exactly -> nothing left over
    assert largest_remainder(10, [2, 3, 5]) == [2, 3, 5]
    # quotas 7 * (1/3 each) = 2.333.. -> floors 2,2,2 (6); 1 left -> first of the tied fractions
    assert largest_remainder(7, [1, 1, 1]) == [3, 2, 2]
    # quotas 10 * (0.15, 0.25, 0.60) = 1.5, 2.5, 6.0 -> floors 1,2,6 (9); tie .5/.5 -> earlier index
    assert largest_remainder(10, [0.15, 0.25, 0.60]) == [2, 2, 6]
    # quotas 5 * (0.1, 0.3, 0.6) = 0.5, 1.5, 3.0 -> floors 0,1,3 (4); tie -> index 0
    assert largest_remainder(5, [0.1, 0.3, 0.6]) == [1, 1, 3]
    # quotas 100 * (1, 2, 4)/7 = 14.29, 28.57, 57.14 -> floors 14,28,57 (99); largest fraction .57 -> index 1
    assert largest_remainder(100, [1, 2, 4]) == [14, 29, 57]


def test_float_noise_does_not_decide_ties() -> None:
    # 0.1 + 0.2 != 0.3 in binary; the quotas 3 * (0.1+0.2, 0.3)/0.6 are both 1.5 up to noise,
    # so the tie goes to the earlier position.
    assert largest_remainder(3, [0.1 + 0.2, 0.3]) == [2, 1]
    assert largest_remainder(3, [0.3, 0.1 + 0.2]) == [2, 1]


def test_all_zero_weights_split_equally_and_zero_total() -> None:
    assert largest_remainder(7, [0, 0, 0]) == [3, 2, 2]
    assert largest_remainder(0, [1, 2]) == [0, 0]
    assert largest_remainder(0, []) == []


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [(-1, [1], "total = -1"), (2.5, [1], "total = 2.5"), (3, [], "empty list"), (3, [1, -1], "weights must be >= 0")],
)
def test_invalid_input_is_rejected(total: float, weights: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        largest_remainder(total, weights)  # type: ignore[arg-type]


@given(
    total=st.integers(min_value=0, max_value=10_000_000),
    weights=st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=60),
)
def test_never_creates_or_loses_a_unit(total: int, weights: list[float]) -> None:
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    assert all(p >= 0 for p in parts)
    s = sum(weights)
    if s > 0:
        # each part is its quota rounded down or up: never more than one unit away
        for part, w in zip(parts, weights):
            assert abs(part - total * w / s) < 1 + 1e-6


def test_rounding_helpers_ignore_float_noise() -> None:
    assert ceil_clean(1000 * 1.2) == 1200  # 1200.0000000000002
    assert ceil_clean(1200.01) == 1201
    assert round_half_up(2.5) == 3
    assert round_half_up(1.9999999999999987) == 2
    assert round_half_up(0.49) == 0
