"""Season calendar: weeks run Monday..Sunday; week k is the k-th such week of the season."""

from __future__ import annotations

from datetime import date, timedelta

from core.domain.params import monday_of

__all__ = ["monday_of", "season_week_starts", "week_of_season", "week_start"]


def season_week_starts(season_start: date, horizon_weeks: int) -> list[date]:
    first = monday_of(season_start)
    return [first + timedelta(weeks=k) for k in range(horizon_weeks)]


def week_start(season_start: date, week: int) -> date:
    """Monday of 1-based season week `week`."""
    return monday_of(season_start) + timedelta(weeks=week - 1)


def week_of_season(day: date, season_start: date, horizon_weeks: int) -> int | None:
    """1-based season week containing `day`, or None when the day is outside the season."""
    offset = (day - monday_of(season_start)).days
    if offset < 0:
        return None
    week = offset // 7 + 1
    return week if week <= horizon_weeks else None
