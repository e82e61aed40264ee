"""Demand sources: replay cuts and refusals, seeded Monte Carlo paths."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from core.domain.errors import PlannerError
from core.domain.simulation import monte_carlo_demand, replay_cut
from core.domain.simulation.demand import correlation


def test_monte_carlo_is_seeded_and_centred_on_the_forecast(small) -> None:
    weights = np.array([3.0, 2.0, 1.0, 1.0, 0.5, 0.5])
    a = monte_carlo_demand(small.forecast, weights, 300, seed=5)
    assert a.shape == (300, 6, 6) and a.dtype == np.int64
    assert np.array_equal(a, monte_carlo_demand(small.forecast, weights, 300, seed=5))
    assert not np.array_equal(a, monte_carlo_demand(small.forecast, weights, 300, seed=6))
    plan = np.array([w.plan for w in small.forecast.weeks])
    weekly = a.sum(axis=1)
    assert np.allclose(np.median(weekly, axis=0), plan, rtol=0.05)
    # stores get their weight's share
    shares = a.sum(axis=(0, 2)) / a.sum()
    assert np.allclose(shares, weights / weights.sum(), atol=0.01)
    assert 0 < correlation(small.forecast) < 1


def test_monte_carlo_weeks_move_together(small) -> None:
    # A wide band on a big plan, so the forecast's spread dwarfs the stores' Poisson noise.
    weeks = [w.model_copy(update={"plan": 10_000.0, "lo": 7_000.0, "hi": 14_000.0}) for w in small.forecast.weeks]
    fc = small.forecast.model_copy(update={"weeks": weeks})
    weekly = monte_carlo_demand(fc, np.ones(6), 2000, seed=1).sum(axis=1)
    c = correlation(fc)
    r = np.corrcoef(np.log(weekly[:, 0]), np.log(weekly[:, -1]))[0, 1]
    assert r == pytest.approx(c, abs=0.06)
    sigma = np.log(weekly[:, 0]).std()
    assert sigma == pytest.approx((np.log(14_000) - np.log(7_000)) / (2 * 1.2815515655446004), rel=0.08)


def test_monte_carlo_refuses_a_silly_count(small) -> None:
    with pytest.raises(PlannerError, match="allowed 1..100000"):
        monte_carlo_demand(small.forecast, np.ones(6), 0)


def test_replay_cuts_the_season_and_hides_the_future(small) -> None:
    start = date(2024, 3, 4)
    cut = replay_cut(small.history, "Dresses", start, 6)
    assert cut.weeks[0] == start and len(cut.weeks) == 6
    assert cut.history["week_start"].max() < np.datetime64(start)
    units = cut.demand(["S1", "S2", "S3", "S4", "S5", "S6", "S9"])
    rows = small.history[(small.history["week_start"] >= np.datetime64(start))
                         & (small.history["week_start"] < np.datetime64(date(2024, 4, 15)))]
    assert units[:6].sum() == rows["quantity"].sum()
    assert units[6].sum() == 0  # a store without rows sold nothing
    first = rows[rows["week_start"] == np.datetime64(start)].set_index("store_id")["quantity"]
    assert units[0, 0] == first["S1"]


def test_replay_refuses_without_enough_history(small) -> None:
    first = small.history["week_start"].min().date()
    with pytest.raises(PlannerError) as e:
        replay_cut(small.history, "Dresses", first, 6)
    assert "only 0 complete weeks" in e.value.messages[0] and "at least 8" in e.value.messages[0]
    last = small.history["week_start"].max().date()
    with pytest.raises(PlannerError) as e:
        replay_cut(small.history, "Dresses", last, 6)
    assert "runs to" in e.value.messages[0] and "5 of its weeks" in e.value.messages[0]
