from datetime import date

from core.domain.calendar import season_week_starts, week_of_season, week_start


def test_weeks_are_mondays_from_the_season_start() -> None:
    starts = season_week_starts(date(2025, 3, 1), 3)  # a Saturday: its week began Monday 24 Feb
    assert starts == [date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)]
    assert week_start(date(2025, 2, 17), 5) == date(2025, 3, 17)


def test_week_of_season_by_date_not_order() -> None:
    s = date(2025, 2, 17)
    assert week_of_season(date(2025, 2, 17), s, 12) == 1
    assert week_of_season(date(2025, 2, 23), s, 12) == 1  # Sunday closes week 1
    assert week_of_season(date(2025, 2, 24), s, 12) == 2
    assert week_of_season(date(2025, 5, 11), s, 12) == 12
    assert week_of_season(date(2025, 5, 12), s, 12) is None
    assert week_of_season(date(2025, 2, 16), s, 12) is None
