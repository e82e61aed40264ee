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


def test_weeks_on_a_saturday_calendar() -> None:
    from core.domain.calendar import SATURDAY, start_of_week, week_span

    s = date(2025, 3, 4)  # a Tuesday: its Saturday..Friday week began Saturday 1 March
    assert start_of_week(s, SATURDAY) == date(2025, 3, 1)
    assert season_week_starts(s, 2, SATURDAY) == [date(2025, 3, 1), date(2025, 3, 8)]
    assert week_start(s, 12, SATURDAY) == date(2025, 5, 17)
    assert week_of_season(date(2025, 3, 7), s, 12, SATURDAY) == 1  # Friday closes week 1
    assert week_of_season(date(2025, 3, 8), s, 12, SATURDAY) == 2
    assert week_of_season(date(2025, 5, 23), s, 12, SATURDAY) == 12
    assert week_of_season(date(2025, 5, 24), s, 12, SATURDAY) is None
    assert week_of_season(date(2025, 2, 28), s, 12, SATURDAY) is None
    assert week_span(SATURDAY) == "Saturday..Friday" and week_span(6) == "Sunday..Saturday"


def test_week_start_day_is_read_from_names_numbers_or_nothing() -> None:
    import pytest

    from core.domain.calendar import WeekStartError, weekday_index

    assert [weekday_index(v) for v in ("Saturday", " sun ", "MON", "thu", 3, None)] == [5, 6, 0, 3, 3, 0]
    for bad, text in (("funday", "'funday' is not a weekday"), ("s", "'s' is not a weekday"),
                      (7, "7 is not a weekday number: allowed 0 (Monday) .. 6 (Sunday)"), (True, "True")):
        with pytest.raises(WeekStartError) as info:
            weekday_index(bad)
        assert text in info.value.messages[0]
    with pytest.raises(WeekStartError) as info:
        weekday_index("noday", what="--week-start")
    assert info.value.messages == ["--week-start = 'noday' is not a weekday: allowed monday, tuesday, wednesday, "
                                   "thursday, friday, saturday, sunday"]


def test_season_parameters_on_a_saturday_calendar() -> None:
    from core.domain.params import SeasonParameters, make_parameters

    p = make_parameters({"category": "Dresses", "season_start": "2025-03-01", "week_start": "Saturday"})
    assert (p.season_start, p.week_start, p.first_day, p.notes) == (date(2025, 3, 1), "saturday", 5, [])
    moved = make_parameters({"category": "Dresses", "season_start": "2025-03-03", "week_start": "sat"})
    assert moved.season_start == date(2025, 3, 1) and moved.season_end == date(2025, 5, 23)
    assert moved.notes == ["season_start 2025-03-03 is a Monday; weeks run Saturday..Friday, so the season "
                           "starts on Saturday 2025-03-01"]
    assert SeasonParameters.model_validate(moved.model_dump()).season_start == date(2025, 3, 1)
    monday = make_parameters({"category": "Dresses", "season_start": "2025-03-03"})
    assert monday.week_start == "monday" and monday.first_day == 0


def test_unknown_week_start_parameter_is_named() -> None:
    import pytest

    from core.domain.params import ParameterError, make_parameters

    with pytest.raises(ParameterError) as info:
        make_parameters({"category": "Dresses", "season_start": "2025-03-01", "week_start": "someday"})
    assert "week_start = 'someday' is not a weekday: allowed monday, tuesday, wednesday, thursday, friday, " \
           "saturday, sunday" in info.value.messages
