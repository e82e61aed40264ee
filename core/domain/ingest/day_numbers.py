"""Dates as day numbers since 1970-01-01 (a Thursday): cheap vectorised week arithmetic for uploads."""

from __future__ import annotations

import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")


def day_to_date(days: np.ndarray) -> np.ndarray:
    return (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")


def monday_day(days: np.ndarray) -> np.ndarray:
    """Day number of the Monday of each day's week (1970-01-01 was a Thursday)."""
    return week_first_day(days, 0)


def week_first_day(days: np.ndarray, first_day: int) -> np.ndarray:
    """Day number of the first day of each day's week, weeks starting on weekday `first_day` (Monday = 0)."""
    return days - (days + 3 - first_day) % 7


def weekday_of(days: np.ndarray) -> np.ndarray:
    """Weekday (Monday = 0) of day numbers counted from 1970-01-01, a Thursday."""
    return (days + 3) % 7
