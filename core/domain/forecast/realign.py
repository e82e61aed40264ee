"""Realign past years onto the holiday calendar of the year being forecast.

Seasonal models read "the same week last year" as the week 52 positions back. Around a moving
holiday that is the wrong week: in the Walmart data one department's Easter spike sits in the
week of 24 April 2011 and of 8 April 2012, so a 52-week copy puts the spike two weeks late and
misses the real one (a 58% season-total error for MSTL alone). Here every past week is replaced
by the week of its own year that sits in the same position relative to the holidays of the
target year. The models then see a history whose holidays line up with the forecast weeks.

The mapping works on week positions so it suits any weekly grid (Monday weeks, Walmart's
Saturday weeks). For each holiday the week containing it is an anchor; within `HOLD` weeks of an
anchor the shift equals that holiday's shift, between anchors it is interpolated and rounded.
The most recent 52 weeks (the year the season belongs to) are left as they are.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from core.domain.forecast.holidays import HOLIDAYS

WEEKS_PER_YEAR = 52
# Weeks either side of a holiday that keep exactly the holiday's shift (build-up and after-sales).
HOLD = 3
# A holiday occurrence further than this from the 52-week position is not the same holiday.
MAX_SHIFT = 8


@lru_cache(maxsize=64)
def _holiday_dates(first_year: int, last_year: int) -> tuple[tuple[str, tuple[tuple[int, date], ...]], ...]:
    return tuple((name, tuple((year, when(year)) for year in range(first_year, last_year + 1)))
                 for name, when in HOLIDAYS.items())


def holiday_week_positions(grid: pd.DatetimeIndex) -> dict[str, dict[int, int]]:
    """Position on `grid` of the week containing each holiday: {holiday: {year: position}}."""
    first, last = grid[0], grid[-1]
    week = timedelta(days=7)
    # A regular weekly grid starting at midnight (what forecast_season builds): plain date arithmetic,
    # about 20x faster than a searchsorted per holiday and year.
    regular = first == first.normalize() and (len(grid) < 2 or (last - first) == week * (len(grid) - 1)
                                              and grid[1] - first == week)
    start = first.date()
    positions: dict[str, dict[int, int]] = {}
    for name, dates in _holiday_dates(first.year, last.year):
        found: dict[int, int] = {}
        for year, when in dates:
            if regular:
                pos = (when - start).days // 7
                if 0 <= pos < len(grid):
                    found[year] = pos
                continue
            day = pd.Timestamp(when)
            pos = int(grid.searchsorted(day, side="right")) - 1
            if 0 <= pos < len(grid) and day < grid[pos] + week:
                found[year] = pos
        positions[name] = found
    return positions


def _shift_curve(positions: dict[str, dict[int, int]], lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Knots (target position, shift) of the piecewise-linear shift against `lag` weeks before."""
    anchors: dict[int, list[int]] = {}
    for found in positions.values():
        sources = list(found.values())
        for target in found.values():
            naive = target - lag
            near = [s for s in sources if abs(s - naive) <= MAX_SHIFT]
            if near:
                source = min(near, key=lambda s: abs(s - naive))
                anchors.setdefault(target, []).append(source - naive)
    targets = sorted(anchors)
    xs: list[float] = []
    shifts: list[float] = []
    for i, target in enumerate(targets):
        shift = float(np.mean(anchors[target]))
        # Hold the shift around the holiday, but never past halfway to the next holiday.
        left = min(HOLD, (target - targets[i - 1] - 1) / 2) if i > 0 else HOLD
        right = min(HOLD, (targets[i + 1] - target - 1) / 2) if i + 1 < len(targets) else HOLD
        xs += [target - left, target + right]
        shifts += [shift, shift]
    return np.asarray(xs, dtype=float), np.asarray(shifts, dtype=float)


def realign_history(values: np.ndarray, grid: pd.DatetimeIndex, target_end: int) -> np.ndarray:
    """History `values` (positions 0..n-1 of `grid`) realigned on the year ending at `target_end`.

    `grid` must cover the history and the forecast path up to `target_end` (a position). Returns
    an array of the same length; values of the last year before `target_end` are unchanged.
    """
    n = len(values)
    out = np.asarray(values, dtype=float).copy()
    if n == 0:
        return out
    positions = holiday_week_positions(grid)
    t = np.arange(n)
    years_back = (target_end - t) // WEEKS_PER_YEAR
    for k in np.unique(years_back):
        if k <= 0:
            continue
        lag = int(k) * WEEKS_PER_YEAR
        idx = t[years_back == k]
        xs, shifts = _shift_curve(positions, lag)
        shift = np.interp(idx + lag, xs, shifts) if len(xs) else np.zeros(len(idx))
        source = np.clip(np.rint(idx + shift).astype(int), 0, n - 1)
        out[idx] = np.asarray(values, dtype=float)[source]
    return out
