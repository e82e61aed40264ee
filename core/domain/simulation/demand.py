"""Demand for the scenario lab: a past season replayed from the history, or seeded Monte Carlo paths.

replay       the store-week units of a season cut from the dataset's own history at a start date;
             everything the season plans with (forecast, clusters, allocation, price) sees only the
             weeks before it. Refused with the reason when fewer than the forecast's minimum of
             complete weeks lie before the start, or the season runs past the history's last week.
monte-carlo  N paths around the forecast (docs/planning-rules.md §4.2): week k's category demand is
             plan_k x exp(sigma_k x z_k), sigma_k from the week's 80% interval, and the z_k share one
             season-wide level term, so weeks move together: corr(z_j, z_k) = level_sd^2 / (level_sd^2
             + noise^2), the split of the forecast error the re-forecast itself assumes (level_model,
             docs/planning-rules.md §4.7). Each store expects its allocation weight of that and sells a
             Poisson draw of it.
             One seed gives the same paths every time, for every parameter set.
             `MonteCarloPaths` draws them chunk by chunk (a few MB of demand at a time, whatever the
             number of stores and paths) and any range of paths alone: the numbers are those of the
             whole draw, to the last unit (the paths before the range are drawn and dropped).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import DTypeLike
import pandas as pd

from core.domain.errors import PlannerError
from core.domain.forecast import category_weekly_series
from core.domain.forecast.ensemble import MIN_WEEKS
from core.domain.forecast.distribution import level_correlation, weekly_sigma
from core.domain.models import ForecastResult

DEFAULT_PATHS = 200
CHUNK_BYTES = 16 * 1024 * 1024  # demand drawn per chunk of paths (int64 units)


@dataclass(frozen=True)
class ReplayCut:
    start: date
    history: pd.DataFrame  # the weeks before `start` only
    weeks: list[date]  # the season's Mondays
    frame: pd.DataFrame  # category rows of the season weeks: week_start, store_id, quantity

    def demand(self, store_ids: list[str]) -> np.ndarray:
        """Units per store and week (S, W) in the order of `store_ids`; a store without rows sold 0."""
        table = self.frame.pivot_table(index="store_id", columns="week_start", values="quantity", aggfunc="sum")
        table = table.reindex(index=store_ids, columns=pd.to_datetime(self.weeks)).fillna(0.0)
        return np.floor(table.to_numpy(dtype=float) + 0.5).astype(np.int64)


def replay_cut(history: pd.DataFrame, category: str, start: date, horizon_weeks: int,
               what: str = "--replay") -> ReplayCut:
    """The past season starting on the Monday `start` (see the module docstring for the refusals)."""
    series = category_weekly_series(history, category).values
    index = pd.DatetimeIndex(series.index)
    weeks = [start + timedelta(weeks=k) for k in range(horizon_weeks)]
    before = int((index < pd.Timestamp(start)).sum())
    problems = []
    if before < MIN_WEEKS:
        problems.append(f"{what} {start.isoformat()}: only {before} complete weeks of {category!r} history before "
                        f"it; the forecast needs at least {MIN_WEEKS}"
                        + (f" (history starts {index[0].date().isoformat()})" if len(index) else ""))
    missing = [w for w in weeks if pd.Timestamp(w) not in index]
    if missing:
        last = index[-1].date().isoformat() if len(index) else "none"
        problems.append(f"{what} {start.isoformat()}: the {horizon_weeks}-week season runs to "
                        f"{(weeks[-1] + timedelta(days=6)).isoformat()}, but {len(missing)} of its weeks are not "
                        f"complete weeks of the history (first {missing[0].isoformat()}; last complete week "
                        f"starts {last})")
    if problems:
        raise PlannerError(problems)
    stamps = pd.to_datetime(history["week_start"])
    rows = history[(history["category"] == category) & (stamps >= pd.Timestamp(weeks[0]))
                   & (stamps <= pd.Timestamp(weeks[-1]))]
    frame = rows.assign(store_id=rows["store_id"].astype(str))[["week_start", "store_id", "quantity"]]
    return ReplayCut(start=start, history=history[stamps < pd.Timestamp(start)].reset_index(drop=True),
                     weeks=weeks, frame=frame)


def correlation(forecast: ForecastResult) -> float:
    """Share of a week's forecast error that is the season's common level (module docstring)."""
    return level_correlation(forecast)


def monte_carlo_demand(forecast: ForecastResult, weights: np.ndarray, n_paths: int = DEFAULT_PATHS,
                       seed: int = 0) -> np.ndarray:
    """(n_paths, stores, weeks) integer demand; `weights` are the stores' shares (normalised here)."""
    return np.asarray(MonteCarloPaths(forecast, np.asarray(weights, dtype=float), n_paths, seed))


def paths_per_chunk(n_stores: int, n_weeks: int, budget: int = CHUNK_BYTES) -> int:
    """How many paths of (stores x weeks) int64 units fit in `budget` bytes (at least one)."""
    return max(1, budget // max(1, 8 * n_stores * n_weeks))


@dataclass(frozen=True, eq=False)
class MonteCarloPaths:
    """Paths first..last (exclusive) of the seeded Monte Carlo demand (module docstring), drawn on
    demand. Behaves like the (paths, stores, weeks) array where the lab needs it: `shape`, slicing by
    paths, `np.asarray` (which draws them all)."""

    forecast: ForecastResult
    weights: np.ndarray
    n_paths: int = DEFAULT_PATHS
    seed: int = 0
    first: int = 0
    last: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.n_paths <= 100_000:
            raise PlannerError(f"--monte-carlo {self.n_paths}: allowed 1..100000 paths")

    @property
    def stop(self) -> int:
        return self.n_paths if self.last is None else self.last

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.stop - self.first, len(self.weights), len(self.forecast.weeks))

    def __getitem__(self, paths: slice) -> MonteCarloPaths:
        start, stop, step = paths.indices(self.stop - self.first)
        if step != 1:
            raise ValueError("Monte Carlo paths are sliced in steps of 1")
        return MonteCarloPaths(self.forecast, self.weights, self.n_paths, self.seed, self.first + start,
                               self.first + max(start, stop))

    def __array__(self, dtype: DTypeLike | None = None, copy: object = None) -> np.ndarray:
        parts = list(self.chunks())
        out = np.concatenate(parts) if parts else np.zeros((0, *self.shape[1:]), dtype=np.int64)
        return out if dtype is None else out.astype(dtype)

    def chunks(self, chunk_paths: int | None = None) -> Iterator[np.ndarray]:
        """The paths in order, at most `chunk_paths` at a time (default: CHUNK_BYTES of units)."""
        _, n_stores, n_weeks = self.shape
        step = chunk_paths or paths_per_chunk(n_stores, n_weeks)
        w = np.clip(np.asarray(self.weights, dtype=float), 0.0, None)
        w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / max(1, len(w)))
        plan = np.array([max(0.0, x.plan) for x in self.forecast.weeks])
        rng = np.random.default_rng(np.random.SeedSequence(self.seed))
        c = correlation(self.forecast)
        level = rng.standard_normal((self.n_paths, 1))
        wobble = rng.standard_normal((self.n_paths, len(plan)))
        z = math.sqrt(c) * level + math.sqrt(1.0 - c) * wobble
        category = plan[None, :] * np.exp(weekly_sigma(self.forecast)[None, :] * z)  # (P, W)
        # The Poisson draws come path after path from one stream: drawing paths 0..stop in chunks
        # gives the numbers of one draw of them all.
        for lo in range(0, self.stop, step):
            hi = min(self.stop, lo + step)
            units = rng.poisson(category[lo:hi, None, :] * w[None, :, None]).astype(np.int64)
            if hi > self.first:  # paths before the range are drawn and dropped
                yield units[max(0, self.first - lo):]

    def totals(self) -> np.ndarray:
        """Units of each path, summed over stores and weeks."""
        parts = [c.sum(axis=(1, 2)) for c in self.chunks()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
