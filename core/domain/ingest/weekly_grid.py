"""Accumulators of a streamed history: weekly sums per (store, category) and the days already seen.

Both are dense grids of (store, category) pairs x weeks (or days), grown as new pairs and dates
arrive, so the memory of a history import is that of its weekly result (about 20 bytes a
store-week) plus one byte per (pair, day) for the duplicate check, never that of the rows read
(docs/planning-rules.md §3: a history is summed into weeks).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import pandas as pd

from core.domain.ingest.csv_reading import day_to_date


class Grid:
    """Named 2-D arrays sharing one shape: rows = pairs, columns = consecutive periods from `lo`."""

    def __init__(self, fields: dict[str, tuple[type, object]]) -> None:
        self.fields = fields
        self.arrays: dict[str, np.ndarray] = {
            name: np.full((0, 0), fill, dtype=dtype) for name, (dtype, fill) in fields.items()
        }
        self.lo = 0
        self.rows = 0  # pairs in use (the arrays may hold spare rows)

    @property
    def width(self) -> int:
        return next(iter(self.arrays.values())).shape[1]

    def ensure(self, rows: int, lo: int, hi: int) -> None:
        """Room for pair rows < `rows` and periods lo..hi (inclusive)."""
        cap_rows, width = next(iter(self.arrays.values())).shape
        cur_hi = self.lo + width - 1
        if width and rows <= cap_rows and lo >= self.lo and hi <= cur_hi:
            self.rows = max(self.rows, rows)
            return
        new_lo = lo if not width else min(lo, self.lo)
        new_hi = hi if not width else max(hi, cur_hi)
        if width:  # spare room on the side that grew, so a date-ordered file reallocates rarely
            span = new_hi - new_lo + 1
            new_lo -= span // 4 if new_lo < self.lo else 0
            new_hi += span // 4 if new_hi > cur_hi else 0
        new_rows = max(rows, cap_rows if rows <= cap_rows else max(rows, 2 * cap_rows, 64))
        for name, (dtype, fill) in self.fields.items():
            grown: np.ndarray = np.full((new_rows, new_hi - new_lo + 1), fill, dtype=dtype)
            old = self.arrays[name]
            if old.size:
                grown[: old.shape[0], self.lo - new_lo: self.lo - new_lo + width] = old
            self.arrays[name] = grown
        self.lo = new_lo
        self.rows = max(self.rows, rows)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name][: self.rows]


class WeekSums:
    """Units, revenue, rows and the weekday offset of the last row per (pair, week).

    Weeks are numbered so that week k starts on day number 7k - 3 + first_day (days since 1970-01-01,
    a Thursday; `first_day` Monday = 0)."""

    def __init__(self, first_day: int) -> None:
        self.first_day = first_day
        self.grid = Grid({"quantity": (np.float64, 0.0), "revenue": (np.float64, np.nan),
                          "revenue_c": (np.float64, 0.0), "days": (np.int32, 0), "offset": (np.int8, 0)})

    def week_of_day(self, week_day: np.ndarray) -> np.ndarray:
        """Week number of week-start day numbers."""
        return (week_day + 3 - self.first_day) // 7

    def day_of_week(self, week: np.ndarray) -> np.ndarray:
        """Week-start day number of week numbers."""
        return 7 * week - 3 + self.first_day

    def add(self, pair: np.ndarray, week_day: np.ndarray, quantity: np.ndarray, revenue: np.ndarray,
            days: np.ndarray, offset: np.ndarray) -> None:
        """Add one chunk's weekly sums (one row per (pair, week) within the chunk)."""
        if pair.size == 0:
            return
        week = self.week_of_day(week_day)
        self.grid.ensure(int(pair.max()) + 1, int(week.min()), int(week.max()))
        col = week - self.grid.lo
        g = self.grid.arrays
        g["quantity"][pair, col] += quantity
        # Kahan-compensated, NaN skipped, as pandas sums a week's rows split over several chunks: the same
        # revenue to the last bit whatever the chunk size.
        old, comp = g["revenue"][pair, col], g["revenue_c"][pair, col]
        y = revenue - comp
        t = old + y
        new_comp = (t - old) - y
        first = np.isnan(old)
        g["revenue"][pair, col] = np.where(np.isnan(revenue), old, np.where(first, revenue, t))
        g["revenue_c"][pair, col] = np.where(np.isnan(revenue), comp, np.where(first, 0.0, new_comp))
        g["days"][pair, col] += days.astype(np.int32)
        g["offset"][pair, col] = offset

    def present(self) -> tuple[np.ndarray, np.ndarray]:
        """(pair, column) of every week with rows, in pair then week order."""
        pair, column = np.nonzero(self.grid["days"] > 0)
        return pair, column

    def column_days(self, columns: np.ndarray) -> np.ndarray:
        return self.day_of_week(columns + self.grid.lo)

    def cells(self, pairs: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(pair, column) of the weeks with rows of each pair in `pairs`, pair by pair in that order."""
        days = self.grid["days"]
        for p in pairs.tolist():
            cols = np.flatnonzero(days[p] > 0)
            yield np.full(cols.size, p, dtype=np.int64), cols


class SeenDays:
    """Which (pair, day) keys were seen: finds the rows that repeat an earlier one."""

    def __init__(self) -> None:
        self.grid = Grid({"seen": (np.bool_, False)})

    def repeats(self, pair: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Mask of rows whose key appeared on an earlier row (this chunk's or an earlier one); marks them."""
        if pair.size == 0:
            return np.zeros(0, dtype=bool)
        self.grid.ensure(int(pair.max()) + 1, int(day.min()), int(day.max()))
        seen = self.grid.arrays["seen"]
        col = day - self.grid.lo
        flat = pair * seen.shape[1] + col
        order = np.argsort(flat, kind="stable")
        sorted_flat = flat[order]
        again = np.zeros(flat.size, dtype=bool)
        again[order[1:]] = sorted_flat[1:] == sorted_flat[:-1]
        again |= seen[pair, col]
        seen[pair, col] = True
        return again


def frequency(sums: WeekSums) -> Literal["daily", "weekly"]:
    """Weekly when every store/category series has its rows at least 7 days apart."""
    days = sums.grid["days"]
    if days.size == 0 or int(days.max()) == 0 or int(days.max()) > 1:
        return "daily"
    pair, cols = sums.present()  # one row per week: its day is the week's start plus its offset
    day = sums.column_days(cols) + sums.grid["offset"][pair, cols]
    same = pair[1:] == pair[:-1]
    if not same.any():
        return "daily"  # one row per series: nothing says these are weeks
    gaps = np.diff(day)[same]
    return "weekly" if int(gaps.min()) >= 7 else "daily"


def partial_week_warnings(sums: WeekSums) -> list[str]:
    days = sums.grid["days"]
    with_rows = np.flatnonzero((days > 0).any(axis=0))
    if with_rows.size == 0:
        return []
    per_week = days[:, with_rows].max(axis=0)
    warnings: list[str] = []
    for label, k in (("first", 0), ("last", -1)):
        seen = int(per_week[k])
        if seen < 7:
            start = pd.Timestamp(day_to_date(sums.column_days(with_rows[[k]]))[0]).date()
            warnings.append(
                f"the {label} week ({start}) has only {seen} of 7 days; forecasting drops partial weeks"
            )
        if with_rows.size == 1:
            break
    inner = days[:, with_rows[1:-1]]
    incomplete = int(((inner > 0) & (inner < 7)).sum())
    if incomplete:
        warnings.append(
            f"{incomplete} store-weeks inside the history have fewer than 7 days of rows (missing days count as 0)"
        )
    return warnings
