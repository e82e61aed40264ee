"""Monte Carlo paths drawn chunk by chunk (any range alone) are the numbers of one draw of them all, and a
set simulated a chunk of paths at a time gives the figures of one run over all its paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.domain.forecast.distribution import weekly_sigma
from core.domain.simulation import MonteCarloPaths, monte_carlo_demand, path_metrics, simulate, weekly_paths
from core.domain.simulation.demand import correlation, paths_per_chunk
from core.lab.work import simulate_paths


def one_draw(forecast, weights: np.ndarray, n_paths: int, seed: int) -> np.ndarray:
    """The whole (paths, stores, weeks) draw at once, as the lab drew it before paths came in chunks."""
    w = weights / weights.sum()
    plan = np.array([max(0.0, x.plan) for x in forecast.weeks])
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    c = correlation(forecast)
    z = math.sqrt(c) * rng.standard_normal((n_paths, 1)) + math.sqrt(1 - c) * rng.standard_normal((n_paths, len(plan)))
    category = plan[None, :] * np.exp(weekly_sigma(forecast)[None, :] * z)
    return rng.poisson(category[:, None, :] * w[None, :, None]).astype(np.int64)


WEIGHTS = np.array([3.0, 2.0, 1.0, 1.0, 0.5, 0.5])


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunks_are_the_numbers_of_one_draw(small, chunk: int) -> None:
    whole = one_draw(small.forecast, WEIGHTS, 50, seed=11)
    paths = MonteCarloPaths(small.forecast, WEIGHTS, 50, seed=11)
    assert np.array_equal(np.concatenate(list(paths.chunks(chunk))), whole)
    assert np.array_equal(monte_carlo_demand(small.forecast, WEIGHTS, 50, seed=11), whole)
    assert np.array_equal(paths.totals(), whole.sum(axis=(1, 2)))


def test_a_range_of_paths_alone_is_that_range_of_the_draw(small) -> None:
    whole = one_draw(small.forecast, WEIGHTS, 40, seed=2)
    part = MonteCarloPaths(small.forecast, WEIGHTS, 40, seed=2)[13:29]
    assert part.shape == (16, 6, 6)
    assert np.array_equal(np.concatenate(list(part.chunks(5))), whole[13:29])
    assert np.array_equal(np.asarray(part[3:4]), whole[16:17])


def test_a_chunk_holds_a_bounded_number_of_units() -> None:
    assert paths_per_chunk(10_000, 12) * 8 * 10_000 * 12 <= 16 * 1024 * 1024
    assert paths_per_chunk(10_000_000, 52) == 1  # never zero paths


def test_a_set_simulated_chunk_by_chunk_gives_the_figures_of_one_run(small) -> None:
    setup = small.setup()
    paths = MonteCarloPaths(small.forecast, small.weights(setup), 30, seed=4)
    run = simulate(setup, np.asarray(paths))
    chunked = simulate_paths(setup, ChunksOf(paths, 4), 25.0)
    for key, values in path_metrics(run, 25.0).items():
        assert np.array_equal(chunked["metrics"][key], values, equal_nan=True), key
    for key, values in weekly_paths(run).items():
        assert np.array_equal(chunked["weekly"][key], values), key
    assert np.array_equal(chunked["markdown_depth"], run.markdown_depth.astype(float))


class ChunksOf:
    def __init__(self, paths: MonteCarloPaths, size: int) -> None:
        self.paths, self.size = paths, size

    def chunks(self):
        return self.paths.chunks(self.size)
