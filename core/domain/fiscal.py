"""NRF 4-5-4 retail fiscal calendar: labels shown beside week dates (docs/planning-rules.md §5).

The National Retail Federation's calendar runs Sunday..Saturday weeks. A fiscal year ends on the
Saturday nearest 31 January and is named after the calendar year it starts in: fiscal 2023 ran
Sunday 29 January 2023 .. Saturday 3 February 2024. Each quarter has three months of 4, 5 and 4
weeks (February is fiscal month 1). Every five or six years the leftover days add up to a 53rd
week, given to January (fiscal 2012, 2017, 2023, 2028, ...). The year ends come from pandas'
FY5253 offset (weekday Saturday, January, "nearest"), which implements exactly that rule.

A week of another calendar (Monday..Sunday, Saturday..Friday) is labelled by the NRF week holding
most of its days, i.e. the one containing its fourth day: six of its seven days are in that week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

MONTH_WEEKS = (4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 5, 4)  # fiscal months February .. January
MONTH_NAMES = ("Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan")
CALENDARS = ("nrf-4-5-4",)


@dataclass(frozen=True)
class FiscalWeek:
    year: int  # fiscal year, named after the calendar year it starts in
    quarter: int  # 1..4
    month: int  # fiscal month 1..12 (1 = February)
    week: int  # week of the fiscal year, 1..52 (53 in a 53-week year)
    week_of_month: int  # 1..5
    start: date  # Sunday
    end: date  # Saturday

    @property
    def month_name(self) -> str:
        return MONTH_NAMES[self.month - 1]

    @property
    def label(self) -> str:
        """e.g. 'FY2023 Q4 Jan W53'."""
        return f"FY{self.year} Q{self.quarter} {self.month_name} W{self.week}"


@lru_cache(maxsize=256)
def fiscal_year_end(year: int) -> date:
    """Saturday that ends fiscal `year` (the Saturday nearest 31 January of year + 1)."""
    import pandas as pd
    from pandas.tseries.offsets import FY5253

    offset = FY5253(weekday=5, startingMonth=1, variation="nearest")
    # Every year end falls within 28 January .. 3 February, so rolling forward from 25 January
    # of the next calendar year lands on this fiscal year's end.
    return offset.rollforward(pd.Timestamp(year + 1, 1, 25)).date()


def fiscal_year_start(year: int) -> date:
    return fiscal_year_end(year - 1) + timedelta(days=1)


def weeks_in_fiscal_year(year: int) -> int:
    return ((fiscal_year_end(year) - fiscal_year_start(year)).days + 1) // 7


def fiscal_year_of(day: date) -> int:
    year = day.year
    if day > fiscal_year_end(year):
        return year + 1
    if day < fiscal_year_start(year):
        return year - 1
    return year


def nrf_week(day: date) -> FiscalWeek:
    """The NRF fiscal week (Sunday..Saturday) containing `day`."""
    year = fiscal_year_of(day)
    first = fiscal_year_start(year)
    week = (day - first).days // 7 + 1
    month, before = 1, 0
    weeks = list(MONTH_WEEKS)
    if weeks_in_fiscal_year(year) == 53:
        weeks[-1] += 1  # the 53rd week belongs to January
    while week > before + weeks[month - 1]:
        before += weeks[month - 1]
        month += 1
    start = first + timedelta(weeks=week - 1)
    return FiscalWeek(year=year, quarter=(month - 1) // 3 + 1, month=month, week=week,
                      week_of_month=week - before, start=start, end=start + timedelta(days=6))


def fiscal_week_of(week_start: date) -> FiscalWeek:
    """NRF week holding most days of the 7-day week starting `week_start` (any weekday)."""
    return nrf_week(week_start + timedelta(days=3))


def fiscal_label(week_start: date, calendar: str | None = "nrf-4-5-4") -> str | None:
    """The label shown beside a week's date, or None when no fiscal calendar is chosen."""
    if calendar is None:
        return None
    if calendar not in CALENDARS:
        raise ValueError(f"fiscal calendar {calendar!r} is not known: allowed {', '.join(CALENDARS)} or none")
    return fiscal_week_of(week_start).label
