"""Dates of the retail holidays whose week moves from one year to the next (docs/planning-rules.md §4.2).

A 52-week seasonal model copies last year's week 14 into this year's week 14. That is right for
most weeks and wrong around holidays whose date moves: Easter (22 March .. 25 April), Thanksgiving
(4th Thursday of November), the Super Bowl, Mother's Day, ... and even fixed-date holidays such as
Christmas drift by a weekday every year, so their week slowly slides. These functions give the
date of each holiday in a given year so the history can be realigned holiday by holiday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter, by the anonymous Gregorian computus."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday=0) of a month."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7, weeks=n - 1)


def last_weekday(year: int, month: int, weekday: int) -> date:
    last = (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def super_bowl_sunday(year: int) -> date:
    # First Sunday of February until the 2021 season, second Sunday since the 17-game schedule.
    return nth_weekday(year, 2, 6, 1 if year < 2022 else 2)


HOLIDAYS: dict[str, Callable[[int], date]] = {
    "new_year": lambda y: date(y, 1, 1),
    "super_bowl": super_bowl_sunday,
    "valentines_day": lambda y: date(y, 2, 14),
    "easter": easter_sunday,
    "mothers_day": lambda y: nth_weekday(y, 5, 6, 2),
    "memorial_day": lambda y: last_weekday(y, 5, 0),
    "fathers_day": lambda y: nth_weekday(y, 6, 6, 3),
    "independence_day": lambda y: date(y, 7, 4),
    "labor_day": lambda y: nth_weekday(y, 9, 0, 1),
    "halloween": lambda y: date(y, 10, 31),
    "thanksgiving": lambda y: nth_weekday(y, 11, 3, 4),
    "christmas": lambda y: date(y, 12, 25),
}
