"""Season forecast: holiday-realigned history -> two members -> weighted mean (docs/planning-rules.md, "Forecast").

Members (core/domain/forecast/members.py; chosen on the many-series benchmark, core/bench/forecast_sets.py,
see docs/forecasting.md):
- `mstl`: statsforecast's MSTL decomposition with a 52-week season on the log scale (so the yearly
  pattern scales with the level); trend + remainder forecast by the mean of ETS(A,N,N) with a damped
  drift and a damped-trend AutoETS.
- `seasonal_avg`: statsforecast SeasonalWindowAverage over the last two years (blended with the last
  three when there are three), each year first rescaled to the current level (the last 13 weeks
  against the same 13 weeks a year earlier), then moved by the level of the last 4 weeks where that
  differs by more than the weekly noise.
Both read the history after `realign_history`, with each holiday realigned the way the series'
own history supports (`holiday_modes`), so moving holidays fall in the right week without moving
patterns tied to the calendar date. The weights are reported in `ForecastResult.weights`.
The 80% interval of each week, the season's week correlation and the plausibility guard come from
core/domain/forecast/intervals.py (calibrated on the same benchmark).
The forecast runs from the week after the history through the season's last week; the season's
weeks are taken from that path by date.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from core.domain.forecast.backtest import holdout_weeks, score
from core.domain.forecast.global_model import WEIGHT as GLOBAL_WEIGHT
from core.domain.forecast.global_model import Panel, global_forecast
from core.domain.forecast.intervals import (
    _offset,
    calibrated_bounds,
    guard_bounds,
    series_scale,
    week_correlation,
    weekly_noise,
)
from core.domain.forecast.members import MIN_LEVEL_WEEKS, log_mstl_forecast, mstl_forecast, seasonal_blend
from core.domain.forecast.realign import (
    WEEKS_PER_YEAR,
    holiday_modes,
    holiday_week_positions,
    realign_history,
)
from core.domain.models import ForecastResult, WeekForecast

__all__ = ["forecast_season", "mstl_forecast"]
MIN_SEASONAL_WEEKS = WEEKS_PER_YEAR + MIN_LEVEL_WEEKS  # one year plus the shortest level window
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


def ensemble_paths(y: np.ndarray, grid: pd.DatetimeIndex, steps: int, panel: Panel | None = None, name: str = ""
                   ) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """Member forecasts for `steps` weeks after history `y` (grid covers history + steps)."""
    paths, z, notes, _ = _members(y, grid, steps, panel, name)
    return paths, z, notes


def _members(y: np.ndarray, grid: pd.DatetimeIndex, steps: int, panel: Panel | None = None, name: str = ""
             ) -> tuple[dict[str, np.ndarray], np.ndarray, list[str], float]:
    """(member paths, realigned history, notes, log level shift of the seasonal average); with a panel,
    the global member (core/domain/forecast/global_model.py) beside the two per-series members."""
    from statsforecast.models import AutoETS, Naive

    notes: list[str] = []
    n = len(y)
    positions = holiday_week_positions(grid)
    z = realign_history(y, grid, n + steps - 1, holiday_modes(y, grid, positions), positions)
    members: dict[str, np.ndarray] = {}
    shift = 0.0
    if n >= MIN_SEASONAL_WEEKS:
        members["mstl"] = log_mstl_forecast(z, steps)
        members["seasonal_avg"], shift, years = seasonal_blend(z, steps, weekly_noise(y))
        if years == 1:
            notes.append(f"{n} weeks of history: the seasonal average uses one year only")
        path, why = global_forecast(y, grid, steps, panel, name)
        if path is not None:
            members["global"] = path
        elif why:
            notes.append(why)
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
    return members, z, notes, shift


def member_weights(members: dict[str, np.ndarray]) -> dict[str, float]:
    """Equal weights for the per-series members: weights from each member's rolling-origin backtest error
    were measured and did not beat them (docs/forecasting.md, "what was tried"). The global member,
    when there is one, takes GLOBAL_WEIGHT, learned across the series of the many-series benchmark
    (docs/planning-rules.md §4.2), and the others share the rest equally."""
    if "global" not in members:
        return {name: 1.0 / len(members) for name in members}
    share = (1.0 - GLOBAL_WEIGHT) / (len(members) - 1)
    return {name: GLOBAL_WEIGHT if name == "global" else share for name in members}


def combine(members: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    return np.sum([weights[name] * path for name, path in members.items()], axis=0)


def run_backtest(y: np.ndarray, grid: pd.DatetimeIndex, horizon_weeks: int, panel: Panel | None = None,
                 name: str = "") -> dict[str, dict[str, float | int | str]]:
    """Refit without the last H weeks of `y` (and of the panel) and score those weeks
    (core/domain/forecast/backtest.py)."""
    held = holdout_weeks(horizon_weeks)
    cut = len(y) - held
    if cut < MIN_WEEKS:
        return {}
    members, _, _ = ensemble_paths(y[:cut], grid[: len(y)], held, panel, name)
    actual = y[cut:]
    origin = grid[cut].date().isoformat()
    out: dict[str, dict[str, float | int | str]] = {}
    for name, path in {"ensemble": combine(members, member_weights(members)), **members}.items():
        figures = score(path, actual)
        if figures:
            out[name] = {**figures, "weeks": held, "origin": origin}
    return out


def forecast_season(
    series: pd.Series, *, season_start: date, horizon_weeks: int, category: str, backtest: bool = True,
    panel: Panel | None = None,
) -> ForecastResult:
    """Weekly forecast of the season's weeks with members' totals and an 80% interval per week.

    `backtest=False` skips the held-out check (it refits the ensemble once more). `panel`: weekly
    series of the same history ({name: series} or a DataFrame of columns, e.g. `store_category_panel`),
    from which the global member is trained (docs/planning-rules.md §4.2); the series being forecast
    is matched by `category` or added. Without a panel the forecast is the per-series ensemble.
    """
    if horizon_weeks < 1:
        raise ValueError(f"horizon_weeks = {horizon_weeks}: allowed 1..52")
    series = series.astype(float).sort_index()
    if series.isna().any():
        raise ValueError(f"{category}: the weekly series has missing weeks; build it with category_weekly_series")
    history, steps, notes = _season_grid(series, season_start, horizon_weeks)
    y = np.clip(history.to_numpy(dtype=float), 0.0, None)
    grid = pd.date_range(history.index[0], periods=len(y) + steps, freq="7D")
    members, z, member_notes, shift = _members(y, grid, steps, panel, category)
    notes += member_notes
    weights = member_weights(members)
    path = combine(members, weights)
    season = slice(steps - horizon_weeks, steps)
    plan = path[season]
    horizons = np.arange(steps - horizon_weeks + 1, steps + 1)
    scale = series_scale(y, z)
    lo, hi = calibrated_bounds(plan, horizons, scale, _offset(y))
    hi, ceiling, guard_notes = guard_bounds(plan, hi, z, len(y) + horizons - 1)
    notes += guard_notes
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
        backtest=run_backtest(y, grid, horizon_weeks, panel, category) if backtest else {},
        noise_sigma=weekly_noise(y),
        weights=weights,
        level_shift=shift,
        interval_scale=scale,
        week_correlation=week_correlation(z),
        demand_cap=float(ceiling.sum()),
        guard_notes=guard_notes,
    )
