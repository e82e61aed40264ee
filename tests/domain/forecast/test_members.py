"""Members that follow level steps, and the per-holiday realignment decision (docs/forecasting.md)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.domain.forecast import forecast_season
from core.domain.forecast.members import log_mstl_forecast, mstl_forecast, recent_level_shift, seasonal_average
from core.domain.forecast.realign import holiday_modes
from tests.domain.forecast.helpers import seasonal_series


def test_seasonal_average_follows_a_step_the_13_week_window_trails() -> None:
    series = seasonal_series(weeks=156, noise=0.02)
    z = series.to_numpy().copy()
    z[-7:] *= 2.0  # the level doubled 7 weeks ago
    plain, none = seasonal_average(z, 12, years=2, noise=None)
    moved, shift = seasonal_average(z, 12, years=2, noise=0.02)
    assert none == 0.0
    # By hand: each earlier year's last 4 weeks times its 13-week level ratio, median log gap, minus the noise.
    ratios = [z[-13:].sum() / z[-13 - 52 * k: -52 * k].sum() for k in (1, 2)]
    expected = np.mean([z[-4 - 52 * k: -52 * k] * r for k, r in zip((1, 2), ratios)], axis=0)
    assert shift == pytest.approx(np.median(np.log(z[-4:] / expected)) - 0.02)
    assert moved == pytest.approx(plain * np.exp(shift))
    truth = 2.0 * np.array([1000.0 * (1 + 0.3 * np.sin(2 * np.pi * d.dayofyear / 365.25))
                            for d in pd.date_range(series.index[-1] + pd.Timedelta(days=7), periods=12, freq="7D")])
    assert abs(moved.sum() / truth.sum() - 1) < 0.05 < abs(plain.sum() / truth.sum() - 1)


def test_ordinary_wobble_does_not_move_the_level() -> None:
    z = seasonal_series(weeks=156, noise=0.03, seed=11).to_numpy()
    assert recent_level_shift(z, 2, noise=0.03) == pytest.approx(0.0, abs=0.01)
    assert recent_level_shift(z, 2, noise=None) == 0.0


def test_log_mstl_scales_the_yearly_pattern_with_a_lower_level() -> None:
    # ISO weeks 1..4 sell double; the level falls to 60% half a year before the end of 2023.
    index = pd.date_range("2021-01-04", periods=156, freq="7D")
    y = np.where(index.isocalendar().week.to_numpy() <= 4, 2000.0, 1000.0) * np.where(np.arange(156) >= 130, 0.6, 1.0)
    # January 2024: the peak is double the new level (1200), not the old peak's 1000 units on top of it (1600).
    # (The STL trend smooths the step over weeks, so the drift still leans a little downwards.)
    assert log_mstl_forecast(y, 8)[:4] == pytest.approx([1200.0] * 4, rel=0.05)
    assert mstl_forecast(y, 8)[:4] == pytest.approx([1600.0] * 4, rel=0.02)
    assert log_mstl_forecast(y, 8)[4:] == pytest.approx([600.0] * 4, rel=0.05)


def test_a_growing_series_is_forecast_with_its_growth_and_a_flat_one_flat() -> None:
    base = seasonal_series(weeks=156, noise=0.01).to_numpy()
    weeks = np.arange(156 + 12)
    grown = base * 1.3 ** (weeks[:156] / 52)  # +30% a year
    path = log_mstl_forecast(grown, 12)
    truth = np.array([1000.0 * (1 + 0.3 * np.sin(2 * np.pi * d.dayofyear / 365.25))
                      for d in pd.date_range("2021-01-04", periods=168, freq="7D")[156:]]) * 1.3 ** (weeks[156:] / 52)
    flat_forecast = log_mstl_forecast(base, 12)
    # The last weeks' level held flat would be about 4% under the truth over the season.
    assert 0.975 < path.sum() / truth.sum() < 1.04
    assert abs(flat_forecast.sum() / base[-52:-40].sum() - 1) < 0.05  # a flat series stays flat


def test_the_drift_is_the_damped_stl_slope_beyond_a_dead_band() -> None:
    from core.domain.forecast.members import DRIFT_DAMPING, DRIFT_DEAD_BAND, trend_drift

    weeks = np.arange(156)
    grown = trend_drift(np.log(1000.0) + weeks * np.log(1.3) / 52, 12)  # +30% a year
    slope = np.log(1.3) / 52 - DRIFT_DEAD_BAND
    assert grown == pytest.approx(slope * np.cumsum(DRIFT_DAMPING ** np.arange(1, 13)))
    assert trend_drift(np.log(1000.0) + weeks * 0.0004, 12) == pytest.approx(np.zeros(12))  # inside the dead band
    assert trend_drift(np.zeros(20), 5) == pytest.approx(np.zeros(5))  # too short to measure a slope


def month_start_series(weeks: int = 170, easter_spike: float = 0.0) -> pd.Series:
    """Monday weeks, flat 1000 x (1 + 0.3 x share of the week's days that are the 1st..10th), plus an
    optional spike in the week containing Easter Sunday."""
    index = pd.date_range("2021-01-04", periods=weeks, freq="7D")
    days = np.stack([(index + pd.Timedelta(days=k)).day.to_numpy() for k in range(7)])
    values = 1000.0 * (1.0 + 0.3 * (days <= 10).sum(axis=0) / 7)
    if easter_spike:
        for easter in ("2021-04-04", "2022-04-17", "2023-04-09", "2024-03-31"):
            week = pd.Timestamp(easter) - pd.Timedelta(days=6)
            values[index == week] *= 1.0 + easter_spike
    return pd.Series(values, index=index)


def test_a_calendar_date_pattern_without_an_easter_peak_is_not_realigned_around_easter() -> None:
    series = month_start_series()
    grid = pd.date_range(series.index[0], periods=len(series) + 12, freq="7D")
    modes = holiday_modes(series.to_numpy(), grid)
    # Realigning around Easter (and the other weekday holidays that moved) would move month-start
    # weeks by a week or more: the history's own year-on-year fit says leave them.
    assert modes["easter"] == "skip" and modes["mothers_day"] == "skip"


def test_an_easter_peak_is_still_realigned() -> None:
    series = month_start_series(easter_spike=2.0)
    grid = pd.date_range(series.index[0], periods=len(series) + 12, freq="7D")
    # A one-week peak: only Easter's own week moves, the month-start weeks around it stay.
    assert holiday_modes(series.to_numpy(), grid)["easter"] == "own"
    fc = forecast_season(series.iloc[:165], season_start=date(2024, 3, 4), horizon_weeks=8, category="D",
                         backtest=False)
    peak = max(fc.weeks, key=lambda w: w.plan)
    assert peak.start == date(2024, 3, 25)  # the week containing Easter Sunday 2024 (31 March)


def test_weights_are_reported_and_the_plan_is_their_weighted_sum() -> None:
    fc = forecast_season(seasonal_series(noise=0.05), season_start=date(2024, 2, 5), horizon_weeks=8, category="D")
    assert fc.weights == pytest.approx({"mstl": 0.5, "seasonal_avg": 0.5})
    for i, w in enumerate(fc.weeks):
        assert w.plan == pytest.approx(sum(fc.weights[m] * fc.member_weekly[m][i] for m in fc.weights))


def test_weeks_near_zero_keep_the_additive_mstl_and_no_level_correction() -> None:
    # A category launched a year into the history: on the log scale the year of zeros blows the yearly
    # pattern up (it came out at 8x the level), so the member stays the additive MSTL.
    from core.domain.forecast.members import no_near_zero_weeks

    launched = seasonal_series(weeks=156).to_numpy() * (np.arange(156) >= 52)
    assert not no_near_zero_weeks(launched) and no_near_zero_weeks(seasonal_series(weeks=156).to_numpy())
    assert log_mstl_forecast(launched, 12) == pytest.approx(mstl_forecast(launched, 12))
    gap = seasonal_series(weeks=156).to_numpy().copy()
    gap[-8] = 0.0  # a week with no sales inside the level window
    assert recent_level_shift(gap, 2, noise=0.01) == 0.0
