"""Season calendar (docs/planning-rules.md §3, 4.1): weeks start on the dataset's week-start day, Monday by default.

Retailers do not all run Monday..Sunday weeks: the NRF 4-5-4 calendar runs Sunday..Saturday,
Walmart's weekly data Saturday..Friday. A week-start day is a weekday number as Python counts
them (Monday = 0 .. Sunday = 6). Week k of a season is the k-th such week starting with the week
that contains the season start, so every function here takes the week-start day and defaults to
Monday, which keeps the Monday behaviour of every caller that does not pass one.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.domain.errors import PlannerError

__all__ = [
    "MONDAY",
    "SATURDAY",
    "SUNDAY",
    "WEEKDAYS",
    "WeekStartError",
    "monday_of",
    "season_week_starts",
    "start_of_week",
    "week_of_season",
    "week_span",
    "week_start",
    "weekday_index",
    "weekday_name",
]

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONDAY, SATURDAY, SUNDAY = 0, 5, 6


class WeekStartError(PlannerError, ValueError):
    """A week-start day that names no weekday (a ValueError too, so pydantic validators report it)."""


def weekday_index(value: str | int | None, *, what: str = "week_start") -> int:
    """Weekday number (Monday = 0) of a name ('Saturday', 'sat'), a number 0..6, or None (Monday)."""
    if value is None:
        return MONDAY
    if isinstance(value, bool):  # bool is an int: True must not read as Tuesday
        raise WeekStartError(f"{what} = {value!r} is not a weekday: allowed {', '.join(WEEKDAYS)}")
    if isinstance(value, int):
        if 0 <= value <= 6:
            return value
        raise WeekStartError(f"{what} = {value} is not a weekday number: allowed 0 (Monday) .. 6 (Sunday)")
    text = str(value).strip().casefold()
    for i, name in enumerate(WEEKDAYS):
        if len(text) >= 3 and name.startswith(text):
            return i
    raise WeekStartError(f"{what} = {value!r} is not a weekday: allowed {', '.join(WEEKDAYS)}")


def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekday_name(day: int) -> str:
    """'Monday' .. 'Sunday'."""
    return WEEKDAYS[day].capitalize()


def week_span(day: int) -> str:
    """The days a week runs over, e.g. 'Saturday..Friday'."""
    return f"{weekday_name(day)}..{weekday_name((day + 6) % 7)}"


def start_of_week(d: date, first_day: int = MONDAY) -> date:
    """First day of the week (starting on `first_day`) that contains `d`."""
    return d - timedelta(days=(d.weekday() - first_day) % 7)


def season_week_starts(season_start: date, horizon_weeks: int, first_day: int = MONDAY) -> list[date]:
    first = start_of_week(season_start, first_day)
    return [first + timedelta(weeks=k) for k in range(horizon_weeks)]


def week_start(season_start: date, week: int, first_day: int = MONDAY) -> date:
    """First day of 1-based season week `week`."""
    return start_of_week(season_start, first_day) + timedelta(weeks=week - 1)


def week_of_season(day: date, season_start: date, horizon_weeks: int, first_day: int = MONDAY) -> int | None:
    """1-based season week containing `day`, or None when the day is outside the season."""
    offset = (day - start_of_week(season_start, first_day)).days
    if offset < 0:
        return None
    week = offset // 7 + 1
    return week if week <= horizon_weeks else None
