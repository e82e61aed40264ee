"""The season-demand distribution: seeded, lognormal around the plan, correlated weeks, guarded."""

import numpy as np

from core.domain.forecast.distribution import SeasonDemand


def _demand(c: float, cap: float | None = None) -> SeasonDemand:
    return SeasonDemand(plan=np.full(10, 100.0), sigma=np.full(10, 0.2), correlation=c, cap=cap)


def test_median_week_is_the_plan_and_seed_repeats():
    d = _demand(0.5)
    paths = d.weekly_paths(20_000, seed=3)
    assert np.allclose(np.median(paths, axis=0), 100.0, rtol=0.03)
    assert np.array_equal(paths, d.weekly_paths(20_000, seed=3))
    assert not np.array_equal(paths, d.weekly_paths(20_000, seed=4))


def test_correlated_weeks_widen_the_season_total():
    independent = np.std(_demand(0.0).total_paths(20_000))
    together = np.std(_demand(0.9).total_paths(20_000))
    # sd of a sum of 10 weeks: ~sqrt(10) x week sd when independent, ~10 x when fully correlated
    assert together > 2.5 * independent


def test_cap_bounds_every_total_and_quantiles_are_ordered():
    d = _demand(0.9, cap=1100.0)
    totals = d.total_paths(5000)
    assert totals.max() <= 1100.0 + 1e-6
    q = d.total_quantiles([0.1, 0.5, 0.9])
    assert q[0] < q[1] <= q[2] <= 1100.0 + 1e-6
