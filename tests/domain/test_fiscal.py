"""NRF 4-5-4 labels against the published calendars (nrf.com: 53-week years FY'12, FY'17, FY'23)."""

from datetime import date, timedelta

import pytest

from core.domain.fiscal import fiscal_label, fiscal_week_of, fiscal_year_end, fiscal_year_start, nrf_week, \
    weeks_in_fiscal_year

# Published fiscal years: first Sunday .. last Saturday, weeks.
PUBLISHED = [
    (2012, date(2012, 1, 29), date(2013, 2, 2), 53),
    (2016, date(2016, 1, 31), date(2017, 1, 28), 52),
    (2017, date(2017, 1, 29), date(2018, 2, 3), 53),
    (2022, date(2022, 1, 30), date(2023, 1, 28), 52),
    (2023, date(2023, 1, 29), date(2024, 2, 3), 53),
    (2024, date(2024, 2, 4), date(2025, 2, 1), 52),
    (2025, date(2025, 2, 2), date(2026, 1, 31), 52),
]


@pytest.mark.parametrize("year, first, last, weeks", PUBLISHED)
def test_fiscal_years_match_the_published_calendar(year, first, last, weeks) -> None:
    assert (fiscal_year_start(year), fiscal_year_end(year), weeks_in_fiscal_year(year)) == (first, last, weeks)
    assert first.weekday() == 6 and last.weekday() == 5


def test_fiscal_2023_months_are_4_5_4_with_a_fifth_january_week() -> None:
    # NRF 4-5-4 calendar, fiscal 2023: month (first Sunday, last Saturday).
    months = {
        1: (date(2023, 1, 29), date(2023, 2, 25)), 2: (date(2023, 2, 26), date(2023, 4, 1)),
        3: (date(2023, 4, 2), date(2023, 4, 29)), 4: (date(2023, 4, 30), date(2023, 5, 27)),
        5: (date(2023, 5, 28), date(2023, 7, 1)), 6: (date(2023, 7, 2), date(2023, 7, 29)),
        7: (date(2023, 7, 30), date(2023, 8, 26)), 8: (date(2023, 8, 27), date(2023, 9, 30)),
        9: (date(2023, 10, 1), date(2023, 10, 28)), 10: (date(2023, 10, 29), date(2023, 11, 25)),
        11: (date(2023, 11, 26), date(2023, 12, 30)), 12: (date(2023, 12, 31), date(2024, 2, 3)),
    }
    day, seen = date(2023, 1, 29), {}
    while day <= date(2024, 2, 3):
        w = nrf_week(day)
        assert w.year == 2023 and w.start <= day <= w.end and w.start.weekday() == 6
        lo, hi = seen.get(w.month, (day, day))
        seen[w.month] = (min(lo, day), max(hi, day))
        day += timedelta(days=1)
    assert seen == months
    last = nrf_week(date(2024, 2, 3))
    assert (last.week, last.month_name, last.quarter, last.week_of_month) == (53, "Jan", 4, 5)
    assert last.label == "FY2023 Q4 Jan W53"
    assert nrf_week(date(2024, 2, 4)).label == "FY2024 Q1 Feb W1"
    # Thanksgiving 2023 (23 November) falls in November's fourth week, week 43.
    thanksgiving = nrf_week(date(2023, 11, 23))
    assert (thanksgiving.month_name, thanksgiving.week_of_month, thanksgiving.week) == ("Nov", 4, 43)


def test_a_52_week_year_ends_january_after_four_weeks() -> None:
    last = nrf_week(date(2025, 2, 1))
    assert (last.year, last.week, last.month_name, last.week_of_month) == (2024, 52, "Jan", 4)


def test_weeks_of_other_calendars_take_the_nrf_week_holding_most_of_their_days() -> None:
    # Monday 4 March 2024 .. Sunday 10 March: six days in the NRF week Sunday 3 .. Saturday 9 March.
    assert fiscal_week_of(date(2024, 3, 4)).start == date(2024, 3, 3)
    # Saturday 2 March 2024 .. Friday 8 March: six days in that same NRF week.
    assert fiscal_week_of(date(2024, 3, 2)).start == date(2024, 3, 3)
    assert fiscal_label(date(2024, 3, 3)) == "FY2024 Q1 Mar W5"
    assert fiscal_label(date(2024, 3, 3), None) is None
    with pytest.raises(ValueError, match="allowed nrf-4-5-4 or none"):
        fiscal_label(date(2024, 3, 3), "445")
