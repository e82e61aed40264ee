from datetime import date, timedelta

import pytest

from core.domain.partial_week import days_share, partial_plan
from core.domain.variance import relative_variance

MONDAY = date(2025, 3, 3)
# A fashion week: Saturday sells most (shares Monday..Sunday).
PROFILE = [0.10, 0.10, 0.10, 0.12, 0.15, 0.28, 0.15]


def test_monday_to_wednesday_carry_their_profile_share_of_the_plan() -> None:
    days = [MONDAY + timedelta(days=k) for k in range(3)]
    assert days_share(days, PROFILE) == pytest.approx(0.30)
    assert partial_plan(1000.0, days, PROFILE) == pytest.approx(300.0)
    # The file of the issue: three days read as a whole week showed -67.6%; pro rata it is on plan.
    sold = 324.0
    assert relative_variance(sold, 1000.0) == pytest.approx(-0.676)
    assert relative_variance(sold, partial_plan(1000.0, days, PROFILE)) == pytest.approx(0.08)


def test_without_a_profile_each_day_carries_a_seventh() -> None:
    days = [MONDAY, MONDAY + timedelta(days=5)]
    assert days_share(days) == pytest.approx(2 / 7)
    assert days_share(days, [0] * 7) == pytest.approx(2 / 7)
    assert days_share([MONDAY + timedelta(days=k) for k in range(7)], PROFILE) == pytest.approx(1.0)
    assert days_share([], PROFILE) == 0.0


def test_a_malformed_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="7 non-negative numbers"):
        days_share([MONDAY], [0.5, 0.5])
