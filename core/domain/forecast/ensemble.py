"""Season forecast: holiday-realigned history -> two statsforecast members -> average (SPEC 4.2).

Members (chosen by measurement on the Walmart protocol, see docs/forecasting.md):
- `mstl`: statsforecast MSTL with a 52-week season (STL decomposition, AutoETS(AZN) on the trend).
- `seasonal_avg`: statsforecast SeasonalWindowAverage over the last two years, each year first
  rescaled to the current level (the last 13 weeks against the same 13 weeks a year earlier).
Both read the history after `realign_history`, so moving holidays fall in the right week.
The forecast runs from the week after the history through the season's last week; the season's
weeks are taken from that path by date (SPEC 4.1).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from core.domain.forecast.backtest import holdout_weeks, score
from core.domain.forecast.intervals import interval_sigma, weekly_bounds, weekly_noise
from core.domain.forecast.realign import WEEKS_PER_YEAR, realign_history
from core.domain.models import ForecastResult, WeekForecast

LEVEL_WEEKS = 13  # recent weeks that set the level of the seasonal-average member
MIN_SEASONAL_WEEKS = WEEKS_PER_YEAR + LEVEL_WEEKS  # one year plus the level window
MIN_WEEKS = 8


def _season_grid(series: pd.Series, season_start: date, horizon_weeks: int) -> tuple[pd.Series, int, list[str]]:
    """Cut the history to before the season and return (history, steps to season end, notes)."""
    notes: list[str] = []
    index = pd.DatetimeIndex(series.index)
    start = pd.Timestamp(season_start)
    anchor = index[-1]
    offset_days = (start - anchor).days % 7
    if offset_days:
        # Snap to the week of the series' grid that contains the requested start.
        snapped = start - timedelta(days=offset_days)
        notes.append(
            f"season start {start.date().isoformat()} is not a week start of the history "
            f"(weeks start on {anchor.strftime('%A')}); using the week starting {snapped.date().isoformat()}"
        )
        start = snapped
    if start <= anchor:
        kept = series[index < start]
        notes.append(
            f"history runs to {anchor.date().isoformat()}, past the season start; "
            f"only the {len(kept)} weeks before {start.date().isoformat()} are used"
        )
        series = kept
    if len(series) < MIN_WEEKS:
        raise ValueError(
            f"{series.name or 'series'}: {len(series)} complete weeks of history before "
            f"{start.date().isoformat()}; at least {MIN_WEEKS} are needed"
        )
    gap = (start - pd.Timestamp(series.index[-1])).days // 7 - 1
    return series, gap + horizon_weeks, notes


def _growth_normalised(z: np.ndarray, years: int) -> np.ndarray:
    """The last `years` years of z, each rescaled to the level of the most recent 13 weeks."""
    n = len(z)
    recent = z[n - LEVEL_WEEKS:].sum()
    parts = []
    for k in range(years, 0, -1):
        block = z[n - k * WEEKS_PER_YEAR: n - (k - 1) * WEEKS_PER_YEAR]
        # The 13 weeks that end k years before the end of the history.
        base = z[n - LEVEL_WEEKS - k * WEEKS_PER_YEAR: n - k * WEEKS_PER_YEAR].sum()
        parts.append(block * (recent / base if base > 0 else 1.0))
    return np.concatenate(parts)


def mstl_forecast(z: np.ndarray, steps: int) -> np.ndarray:
    """statsforecast's MSTL(season_length=52, trend_forecaster=AutoETS(model="AZN")).forecast(z, steps)["mean"].

    The same computation (statsforecast's `mstl` decomposition, AutoETS on trend + remainder, the
    last year of the seasonal component repeated) without the DataFrame round trips of
    `MSTL.forecast`, which cost a fifth of the time per series; tests check the two agree exactly.
    AutoETS is limited to additive errors: same accuracy as the default "ZZN" search at half the time.
    """
    from statsforecast.models import AutoETS
    from statsforecast.mstl import mstl

    parts = mstl(x=np.asarray(z, dtype=float), period=WEEKS_PER_YEAR, stl_kwargs={})
    deseasonalised = parts["trend"].to_numpy() + parts["remainder"].to_numpy()
    trend = AutoETS(model="ANN").forecast(y=deseasonalised, h=steps)["mean"]
    last_year = parts["seasonal"].to_numpy()[-WEEKS_PER_YEAR:]
    return trend + np.tile(last_year, steps // WEEKS_PER_YEAR + 1)[:steps]


def ensemble_paths(y: np.ndarray, grid: pd.DatetimeIndex, steps: int) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """Member forecasts for `steps` weeks after history `y` (grid covers history + steps)."""
    from statsforecast.models import AutoETS, Naive, SeasonalWindowAverage

    notes: list[str] = []
    n = len(y)
    z = realign_history(y, grid, n + steps - 1)
    members: dict[str, np.ndarray] = {}
    if n >= MIN_SEASONAL_WEEKS:
        members["mstl"] = mstl_forecast(z, steps)
        years = 2 if n >= 2 * WEEKS_PER_YEAR + LEVEL_WEEKS else 1
        w = _growth_normalised(z, years)
        members["seasonal_avg"] = SeasonalWindowAverage(season_length=WEEKS_PER_YEAR, window_size=years).forecast(
            y=w, h=steps
        )["mean"]
        if years == 1:
            notes.append(f"{n} weeks of history: the seasonal average uses one year only")
    else:
        # Too short for a yearly pattern: say so and fall back to level models.
        notes.append(
            f"only {n} weeks of history (< {MIN_SEASONAL_WEEKS}): no yearly pattern can be fitted, "
            "the forecast is a trend/level forecast"
        )
        members["ets"] = AutoETS(model="ZZN").forecast(y=y, h=steps)["mean"]
        members["naive"] = Naive().forecast(y=y, h=steps)["mean"]
    for name, path in members.items():
        members[name] = np.clip(np.asarray(path, dtype=float), 0.0, None)
    return members, z, notes


def run_backtest(y: np.ndarray, grid: pd.DatetimeIndex, horizon_weeks: int) -> dict[str, dict[str, float | int | str]]:
    """Refit without the last H weeks of `y` and score those weeks (core/domain/forecast/backtest.py)."""
    held = holdout_weeks(horizon_weeks)
    cut = len(y) - held
    if cut < MIN_WEEKS:
        return {}
    members, _, _ = ensemble_paths(y[:cut], grid[: len(y)], held)
    actual = y[cut:]
    origin = grid[cut].date().isoformat()
    out: dict[str, dict[str, float | int | str]] = {}
    for name, path in {"ensemble": np.mean(list(members.values()), axis=0), **members}.items():
        figures = score(path, actual)
        if figures:
            out[name] = {**figures, "weeks": held, "origin": origin}
    return out


def forecast_season(
    series: pd.Series, *, season_start: date, horizon_weeks: int, category: str, backtest: bool = True
) -> ForecastResult:
    """Weekly forecast of the season's weeks with members' totals and an 80% interval per week.

    `backtest=False` skips the held-out check (it refits the ensemble once more).
    """
    if horizon_weeks < 1:
        raise ValueError(f"horizon_weeks = {horizon_weeks}: allowed 1..52")
    series = series.astype(float).sort_index()
    if series.isna().any():
        raise ValueError(f"{category}: the weekly series has missing weeks; build it with category_weekly_series")
    history, steps, notes = _season_grid(series, season_start, horizon_weeks)
    y = np.clip(history.to_numpy(dtype=float), 0.0, None)
    grid = pd.date_range(history.index[0], periods=len(y) + steps, freq="7D")
    members, z, member_notes = ensemble_paths(y, grid, steps)
    notes += member_notes
    path = np.mean(list(members.values()), axis=0)
    season = slice(steps - horizon_weeks, steps)
    plan = path[season]
    horizons = np.arange(steps - horizon_weeks + 1, steps + 1)
    sigma = interval_sigma(z, horizons)
    lo, hi = weekly_bounds(plan, sigma)
    starts = grid[len(y) + steps - horizon_weeks:]
    weeks = [
        WeekForecast(week=i + 1, start=starts[i].date(), plan=float(plan[i]), lo=float(lo[i]), hi=float(hi[i]))
        for i in range(horizon_weeks)
    ]
    member_weekly = {name: [float(v) for v in p[season]] for name, p in members.items()}
    return ForecastResult(
        category=category,
        method=f"ensemble({'+'.join(members)}), holiday-realigned",
        weeks=weeks,
        members={name: float(sum(v)) for name, v in member_weekly.items()},
        member_weekly=member_weekly,
        warnings=notes,
        backtest=run_backtest(y, grid, horizon_weeks) if backtest else {},
        noise_sigma=weekly_noise(y),
    )
