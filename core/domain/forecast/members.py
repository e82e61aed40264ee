"""The ensemble's members, each a forecast of `steps` weeks after a realigned history z.

- `mstl_forecast`: statsforecast's MSTL (52-week STL, ETS(A,N,N) on trend + remainder), exactly.
- `log_mstl_forecast`: the same decomposition on log(z + offset); trend + remainder forecast by the
  mean of ETS(A,N,N) with a damped STL drift and a damped-trend AutoETS. A level step or a growth
  year scales the yearly pattern with the level; an additive STL keeps last year's holiday peaks
  at their old size in units (a department that fell to 60% still gets its old Christmas peak
  added on top).
- `seasonal_average`: the last one, two or three years, each rescaled to the level of the last 13
  weeks, averaged week by week; then a level correction from the last 4 weeks (`recent_level_shift`);
  `seasonal_blend` mixes the 2- and 3-year averages.
Chosen on the many-series benchmark (core/bench/forecast_sets.py; docs/forecasting.md).
"""

from __future__ import annotations

import numpy as np

WEEKS_PER_YEAR = 52
LEVEL_WEEKS = 13  # recent weeks that set the level of the seasonal-average member
RECENT_WEEKS = 4  # weeks whose median says whether the level moved after that window
MIN_LEVEL_WEEKS = 4  # the shortest level window a history of one year plus a few weeks may use
LOG_OFFSET = 0.01  # of the mean week: keeps weeks that sold nothing finite on the log scale
DRIFT_WEEKS = 26  # weeks of STL trend whose slope continues into the forecast
DRIFT_DEAD_BAND = 0.0005  # log per week (2.6% a year) that is not extrapolated
DRIFT_DAMPING = 0.9
DRIFT_MAX = float(np.log(2.0)) / WEEKS_PER_YEAR  # never extrapolate more than a doubling a year
THREE_YEAR_WEIGHT = 0.6  # of the 3-year seasonal average in the seasonal member (benchmark choice)
SMOOTH_WEIGHT = 0.2  # each neighbouring week's weight in the seasonal member's 3-week smoothing
LOG_MIN_SHARE = 0.1  # log scale only when every week sold at least 10% of the median week


def _mstl_parts(z: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ETS(A,N,N) forecast of trend + remainder, the seasonal path, the STL trend, trend + remainder) of
    statsforecast's MSTL."""
    from statsforecast.models import AutoETS
    from statsforecast.mstl import mstl

    parts = mstl(x=np.asarray(z, dtype=float), period=WEEKS_PER_YEAR, stl_kwargs={})
    trend = parts["trend"].to_numpy()
    adjusted = trend + parts["remainder"].to_numpy()
    level = AutoETS(model="ANN").forecast(y=adjusted, h=steps)["mean"]
    last_year = parts["seasonal"].to_numpy()[-WEEKS_PER_YEAR:]
    return level, np.tile(last_year, steps // WEEKS_PER_YEAR + 1)[:steps], trend, adjusted


def _mstl(z: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ETS(A,N,N) forecast of trend + remainder, the seasonal path, the STL trend) of statsforecast's MSTL."""
    level, season, trend, _ = _mstl_parts(z, steps)
    return level, season, trend


def mstl_forecast(z: np.ndarray, steps: int) -> np.ndarray:
    """statsforecast's MSTL(season_length=52, trend_forecaster=AutoETS(model="ANN")).forecast(z, steps)["mean"].

    The same computation (statsforecast's `mstl` decomposition, AutoETS on trend + remainder, the
    last year of the seasonal component repeated) without the DataFrame round trips of
    `MSTL.forecast`, which cost a fifth of the time per series; tests check the two agree exactly.
    """
    level, season, _ = _mstl(z, steps)
    return level + season


def trend_drift(trend: np.ndarray, steps: int) -> np.ndarray:
    """Damped drift of the log level for steps 1..`steps`: the STL trend's slope over the last 26
    weeks, less a dead band, continued with damping DRIFT_DAMPING per week.

    ETS(A,N,N) forecasts a flat level, so a series that grows 30% a year is forecast at the level
    of a few weeks ago, flat (about 4% under over a 12-week season). The dead band (0.05% a week,
    2.6% a year) keeps the small drifts of a series that does not really grow out of the plan.
    """
    if len(trend) <= DRIFT_WEEKS:
        return np.zeros(steps)
    slope = float(trend[-1] - trend[-1 - DRIFT_WEEKS]) / DRIFT_WEEKS
    slope = float(np.sign(slope)) * min(DRIFT_MAX, max(0.0, abs(slope) - DRIFT_DEAD_BAND))
    return slope * np.cumsum(DRIFT_DAMPING ** np.arange(1, steps + 1))


def no_near_zero_weeks(z: np.ndarray) -> bool:
    """Every week sold more than 10% of the median week (the log scale and the ratios of a few weeks
    are only meaningful then)."""
    z = np.asarray(z, dtype=float)
    return len(z) > 0 and bool(z.min() > LOG_MIN_SHARE * float(np.median(z)))


def log_mstl_forecast(z: np.ndarray, steps: int) -> np.ndarray:
    """MSTL on log(z + c), back-transformed (c = 1% of the mean week); the level of trend + remainder is
    the mean of two trend forecasters: ETS(A,N,N) plus the damped STL drift (`trend_drift`), and a
    damped-trend AutoETS (AutoETS(model="ZZN", damped=True), which may also choose no trend).

    The log scale lets the yearly pattern scale with the level (a step or a growth year). On the
    many-series benchmark the damped-trend AutoETS beat ETS(A,N,N) + drift on four of five data sets
    and lost on the Walmart protocol; their mean kept the Walmart figures and most of the gain
    (docs/forecasting.md, "Many-series benchmark").
    A history with weeks near zero (a launch after months of nothing, a closed store, a range that
    stopped) is forecast by the plain additive MSTL instead: on the log scale those weeks sit several
    units below the others and the STL pattern, and exp() of it, blow up (a category launched a year
    into the history came out at 8x its level).
    """
    from statsforecast.models import AutoETS

    z = np.clip(np.asarray(z, dtype=float), 0.0, None)
    if not no_near_zero_weeks(z):
        return mstl_forecast(z, steps)
    offset = LOG_OFFSET * float(z.mean()) + 1e-9
    level, season, trend, adjusted = _mstl_parts(np.log(z + offset), steps)
    damped = AutoETS(model="ZZN", damped=True).forecast(y=adjusted, h=steps)["mean"]
    return np.exp(0.5 * (level + trend_drift(trend, steps)) + 0.5 * damped + season) - offset


def level_window(n: int, years: int) -> int:
    """Weeks of the level window: LEVEL_WEEKS, or what a history of `n` weeks holds beyond `years` years
    (a history of one year and 4..12 weeks still has a yearly pattern to rescale)."""
    return max(1, min(LEVEL_WEEKS, n - years * WEEKS_PER_YEAR))


def _level_ratios(z: np.ndarray, years: int) -> list[float]:
    """Per year back k: last 13 weeks / the 13 weeks that end k years before the end of the history
    (a shorter window when the history is shorter, `level_window`)."""
    n = len(z)
    window = level_window(n, years)
    recent = z[n - window:].sum()
    ratios = []
    for k in range(1, years + 1):
        base = z[n - window - k * WEEKS_PER_YEAR: n - k * WEEKS_PER_YEAR].sum()
        ratios.append(recent / base if base > 0 else 1.0)
    return ratios


def recent_level_shift(z: np.ndarray, years: int, noise: float | None) -> float:
    """Log level change of the last 4 weeks against what the seasonal average implies for them.

    The 13-week level window trails a step: 7 weeks after a doubling it sees the new level in 7 of
    its 13 weeks. The median of the last 4 weeks' log ratios (actual / same week of the earlier
    years times the level ratio) sees it fully after 3 weeks, and one odd week (a promotion, a
    holiday that moved) does not move the median. Ordinary wobble is left alone: the shift is
    shrunk towards 0 by the history's own weekly noise (a soft threshold), so on a series without
    steps the member stays the plain 13-week seasonal average.
    """
    if noise is None or not no_near_zero_weeks(z):
        # A week near zero in the windows (a closure, a launch) would read as a level change.
        return 0.0
    n = len(z)
    m = RECENT_WEEKS
    expected = np.mean([z[n - m - k * WEEKS_PER_YEAR: n - k * WEEKS_PER_YEAR] * r
                        for k, r in enumerate(_level_ratios(z, years), start=1)], axis=0)
    recent = z[n - m:]
    if np.any(recent <= 0) or np.any(expected <= 0):
        return 0.0
    shift = float(np.median(np.log(recent / expected)))
    return float(np.sign(shift) * max(0.0, abs(shift) - noise))


def seasonal_blend(z: np.ndarray, steps: int, noise: float | None) -> tuple[np.ndarray, float, int]:
    """The seasonal member: the 2-year seasonal average, blended THREE_YEAR_WEIGHT with the 3-year one
    when three years and a level window are there (1 year when only one is), smoothed over 3 weeks
    (`smooth_path`; on the many-series benchmark weekly WAPE fell on every data set, docs/forecasting.md).
    (path, shift, years)."""
    n = len(z)
    years = 2 if n >= 2 * WEEKS_PER_YEAR + LEVEL_WEEKS else 1
    path, shift = seasonal_average(z, steps, years, noise)
    if n >= 3 * WEEKS_PER_YEAR + LEVEL_WEEKS:
        three, _ = seasonal_average(z, steps, 3, noise)
        path = (1 - THREE_YEAR_WEIGHT) * path + THREE_YEAR_WEIGHT * three
        years = 3
    return smooth_path(path, SMOOTH_WEIGHT), shift, years


def smooth_path(path: np.ndarray, k: float) -> np.ndarray:
    """(k, 1 - 2k, k) over each week and its neighbours (the end weeks repeat themselves): the season total
    stays, the weekly noise that one or two past years carry into a seasonal average is damped."""
    path = np.asarray(path, dtype=float)
    if k <= 0 or len(path) < 2:
        return path
    padded = np.concatenate([path[:1], path, path[-1:]])
    return k * padded[:-2] + (1 - 2 * k) * padded[1:-1] + k * padded[2:]


def seasonal_average(z: np.ndarray, steps: int, years: int, noise: float | None) -> tuple[np.ndarray, float]:
    """statsforecast SeasonalWindowAverage over `years` level-rescaled years, times exp(recent shift)."""
    from statsforecast.models import SeasonalWindowAverage

    n = len(z)
    parts = [z[n - k * WEEKS_PER_YEAR: n - (k - 1) * WEEKS_PER_YEAR] * r
             for k, r in reversed(list(enumerate(_level_ratios(z, years), start=1)))]
    base = SeasonalWindowAverage(season_length=WEEKS_PER_YEAR, window_size=years).forecast(
        y=np.concatenate(parts), h=steps)["mean"]
    shift = recent_level_shift(z, years, noise)
    return np.asarray(base, dtype=float) * np.exp(shift), shift
