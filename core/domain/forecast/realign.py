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
# Weeks either side of a holiday's week that count as its own when judging how to realign it.
NEAR = 1
HOLD_MODE = "hold"


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
    return _cached_shift_curve(tuple(tuple(found.values()) for found in positions.values()), lag)


@lru_cache(maxsize=1024)
def _cached_shift_curve(positions: tuple[tuple[int, ...], ...], lag: int) -> tuple[np.ndarray, np.ndarray]:
    # Pure in its arguments; series on the same weekly grid share the knots (a benchmark, a dataset's
    # categories), and one forecast asks for them once per year back and realignment mode.
    anchors: dict[int, list[int]] = {}
    for found in positions:
        sources = list(found)
        for target in found:
            naive = target - lag
            near = [s for s in sources if abs(s - naive) <= MAX_SHIFT]
            if near:
                source = min(near, key=lambda s: abs(s - naive))
                anchors.setdefault(target, []).append(source - naive)
    targets = sorted(anchors)
    xs: list[float] = []
    shifts: list[float] = []
    for i, target in enumerate(targets):
        shift = sum(anchors[target]) / len(anchors[target])
        # Hold the shift around the holiday, but never past halfway to the next holiday.
        left = min(HOLD, (target - targets[i - 1] - 1) / 2) if i > 0 else HOLD
        right = min(HOLD, (targets[i + 1] - target - 1) / 2) if i + 1 < len(targets) else HOLD
        xs += [target - left, target + right]
        shifts += [shift, shift]
    return np.asarray(xs, dtype=float), np.asarray(shifts, dtype=float)


def _swap_own_week(source: np.ndarray, idx: np.ndarray, lag: int, found: dict[int, int]) -> None:
    """Move one holiday's own week only: the target year's holiday week takes the older year's
    holiday week and the week that had it takes the displaced one (a swap, so no week is lost)."""
    olds = list(found.values())
    for target in found.values():
        at = target - lag - int(idx[0])
        if not 0 <= at < len(idx):
            continue
        near = [o for o in olds if abs(o - (target - lag)) <= MAX_SHIFT]
        if not near:
            continue
        old = min(near, key=lambda o: abs(o - (target - lag)))
        holder = np.flatnonzero(source == old)
        if len(holder):
            source[holder[0]] = source[at]
        source[at] = old


def realign_history(values: np.ndarray, grid: pd.DatetimeIndex, target_end: int,
                    modes: dict[str, str] | None = None,
                    positions: dict[str, dict[int, int]] | None = None) -> np.ndarray:
    """History `values` (positions 0..n-1 of `grid`) realigned on the year ending at `target_end`.

    `grid` must cover the history and the forecast path up to `target_end` (a position). Returns
    an array of the same length; values of the last year before `target_end` are unchanged.
    `modes` per holiday (default HOLD_MODE for all): "hold" = an anchor whose shift is held for
    HOLD weeks either side and interpolated between anchors; "own" = only the holiday's own week
    moves (swapped); "skip" = not realigned at all. `positions` = holiday_week_positions(grid),
    when already known.
    """
    n = len(values)
    v = np.asarray(values, dtype=float)
    out = v.copy()
    if n == 0:
        return out
    modes = modes or {}
    known = holiday_week_positions(grid) if positions is None else positions
    anchors = {name: found for name, found in known.items() if modes.get(name, HOLD_MODE) == HOLD_MODE}
    own = [found for name, found in known.items() if modes.get(name) == "own"]
    t = np.arange(n)
    years_back = (target_end - t) // WEEKS_PER_YEAR
    for k in np.unique(years_back):
        if k <= 0:
            continue
        lag = int(k) * WEEKS_PER_YEAR
        idx = t[years_back == k]
        xs, shifts = _shift_curve(anchors, lag)
        shift = np.interp(idx + lag, xs, shifts) if len(xs) else np.zeros(len(idx))
        source = np.clip(np.rint(idx + shift).astype(int), 0, n - 1)
        for found in own:
            _swap_own_week(source, idx, lag, found)
        out[idx] = v[source]
    return out


def _moved_in_history(found: dict[int, int], n: int) -> bool:
    """Whether the holiday's week moved against the 52-week lag between two years of the history."""
    weeks = sorted(p for p in found.values() if p < n)
    return any(b - a != WEEKS_PER_YEAR and abs(b - a - WEEKS_PER_YEAR) <= MAX_SHIFT for a, b in zip(weeks, weeks[1:]))


def holiday_modes(values: np.ndarray, grid: pd.DatetimeIndex,
                  positions: dict[str, dict[int, int]] | None = None) -> dict[str, str]:
    """How to realign each holiday for this series ("hold", "own" or "skip"), decided on its history.

    Realigning moves the weeks around a holiday by the holiday's shift. That is right for a holiday
    peak with a build-up, and wrong for everything tied to the calendar date or to the season's
    slope: month-start paydays and benefit days, a spring ramp, which then land a week or more off.
    The history decides: it is realigned onto its own last year in each mode, and each version
    predicts the later years' holiday weeks (and one either side) as "the realigned week a year
    (two) before, times the ratio of the years' totals"; the mode with the smallest absolute log
    error wins (ties keep "hold"). Only holidays that moved within the history can be judged; the
    others keep "hold".
    """
    y = np.clip(np.asarray(values, dtype=float), 0.0, None)
    n = len(y)
    if n < 2 * WEEKS_PER_YEAR:
        return {}
    positions = holiday_week_positions(grid) if positions is None else positions
    tested = [name for name, found in positions.items() if _moved_in_history(found, n)]
    if not tested:
        return {}
    target_end = n - 1
    t = np.arange(n - WEEKS_PER_YEAR)
    years = (target_end - t) // WEEKS_PER_YEAR
    later = y[t + years * WEEKS_PER_YEAR]
    # Level of each earlier year against the last one (year totals), so growth is not an error.
    last = y[n - WEEKS_PER_YEAR:].sum()
    ratio = np.ones(len(t))
    for k in np.unique(years):
        old = y[n - WEEKS_PER_YEAR * (k + 1): n - WEEKS_PER_YEAR * k].sum()
        ratio[years == k] = last / old if old > 0 else 1.0
    ok = later > 0
    full = realign_history(y, grid, target_end, positions=positions)
    modes: dict[str, str] = {}
    for name in tested:
        own = np.zeros(n, dtype=bool)
        for p in positions[name].values():
            own[max(0, p - NEAR): min(n, p + NEAR + 1)] = True
        where = own[t + years * WEEKS_PER_YEAR] & ok
        errors = {}
        for mode in (HOLD_MODE, "own", "skip"):
            z = full if mode == HOLD_MODE else realign_history(y, grid, target_end, {name: mode}, positions)
            guess = z[t[where]] * ratio[where]
            errors[mode] = float(np.abs(np.log(later[where] / np.clip(guess, 1e-9, None))).sum())
        best = min(errors, key=lambda m: (errors[m], m != HOLD_MODE))
        if best != HOLD_MODE:
            modes[name] = best
    return modes
