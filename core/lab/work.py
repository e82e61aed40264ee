"""One unit of scenario-lab work: one parameter set on one season's demand paths.

`run_task` is a plain top-level function of picklable inputs so any executor can run it: inline, a
process pool, or a Celery worker. It prepares the set's season (order, clusters, allocation) and
simulates the paths; what comes back is small (per-path figures and weekly category totals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.domain.models import ClusterResult, ForecastResult
from core.domain.simulation import ParameterSet, path_metrics, prepare_season, simulate, weekly_paths

# Clusters depend only on the season's history and n_clusters, not on the rest of a set: a worker
# process keeps the ones it computed (K-means with n_init=10 is the slowest part of a set's set-up).
_CLUSTERS: dict[tuple[str, int], ClusterResult] = {}
_CACHE_LIMIT = 32


@dataclass(frozen=True)
class Season:
    """What every set of a comparison shares for one season."""

    key: str  # identifies the season's history in the worker's cluster cache
    forecast: ForecastResult
    history: pd.DataFrame  # the category's weeks known before the season
    stores: pd.DataFrame
    unit_price: float


@dataclass(frozen=True)
class Task:
    set_index: int
    season_index: int
    pset: ParameterSet
    season: Season
    # (paths, stores, weeks), stores in the stores frame's order: an array, or Monte Carlo paths drawn
    # chunk by chunk in the worker (core.domain.simulation.demand.MonteCarloPaths)
    demand: Any
    first_path: int = 0


def clusters_for(season: Season, n_clusters: int) -> ClusterResult:
    from core.domain.clustering import cluster_stores

    key = (season.key, n_clusters)
    if key not in _CLUSTERS:
        if len(_CLUSTERS) >= _CACHE_LIMIT:
            _CLUSTERS.clear()
        category = season.forecast.category
        _CLUSTERS[key] = cluster_stores(season.stores, season.history, category, n_clusters)
    return _CLUSTERS[key]


def run_task(task: Task) -> dict[str, Any]:
    p = task.pset.parameters
    clusters = clusters_for(task.season, p.n_clusters)
    setup = prepare_season(task.pset, task.season.forecast, clusters=clusters, stores=task.season.stores,
                           history=task.season.history, unit_price=task.season.unit_price)
    return {
        "set_index": task.set_index, "season_index": task.season_index, "first_path": task.first_path,
        "order": setup.order_qty, "proposed_order": setup.proposed_qty, "unit_price": setup.unit_price,
        "initial": int(sum(s.initial for s in setup.allocation.stores)), "dc_initial": setup.allocation.dc_on_hand,
        **simulate_paths(setup, task.demand, task.pset.cost),
    }


def simulate_paths(setup: Any, demand: Any, unit_cost: float | None) -> dict[str, Any]:
    """Per-path figures of the set on `demand`, simulated a chunk of paths at a time when the demand is
    drawn in chunks (paths are independent seasons, so the figures are those of one run over them all)."""
    chunks = demand.chunks() if hasattr(demand, "chunks") else [demand]
    parts: list[dict[str, Any]] = []
    for units in chunks:
        run = simulate(setup, units)
        parts.append({"metrics": path_metrics(run, unit_cost), "weekly": weekly_paths(run),
                      "reforecasts": np.array([len(r) for r in run.reforecast_weeks], dtype=float),
                      "markdown_depth": run.markdown_depth.astype(float)})
    if len(parts) == 1:
        return parts[0]
    return {
        "metrics": {k: np.concatenate([p["metrics"][k] for p in parts]) for k in parts[0]["metrics"]},
        "weekly": {k: np.concatenate([p["weekly"][k] for p in parts]) for k in parts[0]["weekly"]},
        "reforecasts": np.concatenate([p["reforecasts"] for p in parts]),
        "markdown_depth": np.concatenate([p["markdown_depth"] for p in parts]),
    }
