"""Calibrated intervals: coverage on series with known noise, and the plausibility guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.domain.forecast import forecast_season
from core.domain.forecast.distribution import season_demand
from core.domain.forecast.intervals import (
    GUARD_FACTOR,
    calibrated_bounds,
    error_persistence,
    guard_bounds,
    series_scale,
)
from core.domain.models import ForecastResult


def _noisy_seasonal(noise: float, weeks: int = 208, seed: int = 7) -> pd.Series:
    t = np.arange(weeks)
    shape = 1 + 0.4 * np.sin(2 * np.pi * t / 52) + 0.2 * np.cos(4 * np.pi * t / 52)
    values = 1000.0 * shape * np.exp(np.random.default_rng(seed).normal(0.0, noise, weeks))
    return pd.Series(values, index=pd.date_range("2020-01-06", periods=weeks, freq="7D"))


def _seasons(series: pd.Series, first: int = 118, step: int = 4):
    for origin in range(first, len(series) - 12 + 1, step):
        fc = forecast_season(series.iloc[:origin], season_start=series.index[origin].date(), horizon_weeks=12,
                             category="x", backtest=False)
        yield fc, series.to_numpy()[origin:origin + 12]


def test_weekly_80_interval_covers_about_80_percent_of_weeks_with_known_noise() -> None:
    hits, season_hits, widths = [], [], []
    for noise, seed in ((0.05, 1), (0.1, 2), (0.2, 3)):
        for fc, actual in _seasons(_noisy_seasonal(noise, seed=seed)):
            lo = np.array([w.lo for w in fc.weeks])
            hi = np.array([w.hi for w in fc.weeks])
            hits += list((actual >= lo) & (actual <= hi))
            p10, p90 = season_demand(fc).total_quantiles([0.1, 0.9])
            season_hits.append(p10 <= actual.sum() <= p90)
            widths.append(np.log(hi / lo).mean())
    assert 0.72 <= np.mean(hits) <= 0.88, np.mean(hits)
    assert 0.6 <= np.mean(season_hits) <= 0.95, np.mean(season_hits)
    # The band follows the noise: a series twice as noisy gets a clearly wider band.
    per_level = np.array(widths).reshape(3, -1).mean(axis=1)
    assert per_level[0] < per_level[1] < per_level[2]


def test_scale_follows_the_noise_and_persistence_is_low_for_independent_noise() -> None:
    quiet, loud = _noisy_seasonal(0.05).to_numpy(), _noisy_seasonal(0.2).to_numpy()
    assert series_scale(loud, loud) > 2.5 * series_scale(quiet, quiet)
    assert error_persistence(loud) < 0.3


def test_a_history_too_short_to_measure_persistence_shares_more_of_its_error_over_the_season() -> None:
    from core.domain.forecast.intervals import CORRELATION_BASE, UNMEASURED_CORRELATION, week_correlation

    short, long = _noisy_seasonal(0.2).to_numpy()[:70], _noisy_seasonal(0.2).to_numpy()
    assert error_persistence(short) is None and week_correlation(short) == UNMEASURED_CORRELATION
    assert week_correlation(long) < UNMEASURED_CORRELATION and week_correlation(long) >= CORRELATION_BASE
    # The season's band of a forecast from 60 weeks is correspondingly wider than with the base correlation.
    fc = forecast_season(_noisy_seasonal(0.2).iloc[:60], season_start=_noisy_seasonal(0.2).index[60].date(),
                         horizon_weeks=12, category="D", backtest=False)
    assert fc.week_correlation == UNMEASURED_CORRELATION
    p10, p90 = season_demand(fc).total_quantiles([0.1, 0.9], n=4000)
    narrow = season_demand(fc.model_copy(update={"week_correlation": CORRELATION_BASE})).total_quantiles(
        [0.1, 0.9], n=4000)
    assert (p90 - p10) > 1.3 * (narrow[1] - narrow[0])


def _swinging_department(weeks: int = 156, seed: int = 3) -> pd.Series:
    """Next to nothing most of the year, a peak of ~100,000x around weeks 44-50 (a holiday department)."""
    t = np.arange(weeks)
    peak = np.exp(-0.5 * ((t % 52 - 47) / 2.5) ** 2)
    values = (3.0 + 2.0e6 * peak) * np.exp(np.random.default_rng(seed).normal(0.0, 0.3, weeks))
    return pd.Series(values, index=pd.date_range("2021-01-02", periods=weeks, freq="7D"))


def test_guard_keeps_every_upper_bound_within_what_the_history_makes_plausible() -> None:
    series = _swinging_department()
    history_max = float(series.max())
    noted = 0
    for origin in range(110, 145, 3):
        fc = forecast_season(series.iloc[:origin], season_start=series.index[origin].date(), horizon_weeks=12,
                             category="dept", backtest=False)
        plan = np.array([w.plan for w in fc.weeks])
        hi = np.array([w.hi for w in fc.weeks])
        assert (hi <= GUARD_FACTOR * np.maximum(plan, 2.0 * history_max) + 1e-6).all()
        assert all(w.lo <= w.plan <= w.hi for w in fc.weeks)
        demand = season_demand(fc)
        assert demand.cap == pytest.approx(fc.demand_cap)
        assert demand.total_paths(500).max() <= fc.demand_cap * (1 + 1e-9)
        if fc.guard_notes:
            noted += 1
            assert any("interval guard" in n for n in fc.warnings)
            assert demand.notes[: len(fc.guard_notes)] == tuple(fc.guard_notes)
    assert noted >= 1  # the guard had to act somewhere on this series


def test_guard_cuts_to_the_comparable_peak_and_says_so() -> None:
    history = np.array([10.0] * 52 + [10.0] * 52)
    history[52 + 10] = 40.0  # last year's week 10 peaked at 40
    plan = np.array([10.0, 10.0])
    hi = np.array([500.0, 12.0])
    guarded, ceiling, notes = guard_bounds(plan, hi, history, np.array([104 + 10, 104 + 30]))
    assert guarded[0] == pytest.approx(GUARD_FACTOR * 40.0)
    assert guarded[1] == 12.0  # within its ceiling: untouched
    assert ceiling[1] == pytest.approx(GUARD_FACTOR * 10.0)
    assert notes and "week(s) 1" in notes[0]
    _, _, quiet = guard_bounds(plan, np.array([12.0, 12.0]), history, np.array([114, 134]))
    assert quiet == []


def test_calibrated_bounds_bracket_the_plan_and_widen_with_scale() -> None:
    plan = np.array([100.0, 0.0, 50.0])
    lo1, hi1 = calibrated_bounds(plan, np.array([1, 2, 3]), 0.1, 1.0)
    lo2, hi2 = calibrated_bounds(plan, np.array([1, 2, 3]), 0.3, 1.0)
    assert (lo1 <= plan).all() and (plan <= hi1).all() and (lo1 >= 0).all()
    assert (hi2 > hi1).all() and (lo2[[0, 2]] < lo1[[0, 2]]).all()


def test_old_stored_forecast_without_the_new_fields_still_reads() -> None:
    fc = forecast_season(_noisy_seasonal(0.1), season_start=pd.Timestamp("2024-01-01").date(), horizon_weeks=4,
                         category="x", backtest=False)
    stored = fc.model_dump(mode="json")
    for key in ("interval_scale", "week_correlation", "demand_cap", "guard_notes"):
        stored.pop(key)
    old = ForecastResult.model_validate(stored)
    demand = season_demand(old)
    assert demand.cap is None and 0.0 <= demand.correlation <= 1.0
