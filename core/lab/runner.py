"""Scenario lab runner: 2..8 parameter sets on the same demand, fanned out over an executor.

    compare(history, stores, sets, DemandSpec(...), executor=None, progress=None) -> document

Demand (core.domain.simulation.demand): `replay` of one or more past seasons cut from the history,
`monte-carlo` paths around the forecast (seeded), or `observed` store-week units given by the caller
(a workflow's own actuals). Every set sees exactly the same demand.

The work is one task per (set, season[, chunk of paths]) (core.lab.work.run_task). `executor` is
anything with concurrent.futures' `submit(fn, arg) -> Future`; by default a process pool on this
machine (inline when there is one task or one core); the service hands in the worker's executor
(core.lab.tasks.RemoteExecutor) when SEASON_PLANNER_BROKER_URL is set. An executor's `notes` (where
the parts ran when not where asked) go into the document.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from multiprocessing import get_context
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from core.domain.errors import PlannerError
from core.domain.simulation import (
    DEFAULT_PATHS,
    METRICS,
    MonteCarloPaths,
    ParameterSet,
    best_per_metric,
    best_set,
    check_comparable,
    replay_cut,
    summarise,
)
from core.domain.simulation.demand import correlation
from core.domain.simulation.metrics import weekly_summary
from core.lab.work import Season, Task, run_task

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass
class DemandSpec:
    source: str  # replay | monte-carlo | observed
    starts: list[date] = field(default_factory=list)  # replay: the seasons' first Mondays
    paths: int = DEFAULT_PATHS  # monte-carlo
    seed: int = 0
    observed: np.ndarray | None = None  # observed: (stores, weeks) full-price units, stores frame order
    label: str | None = None  # observed: where the units come from (e.g. "workflow wf-... actuals")


# ------------------------------------------------------------------------------------------ seasons
def _history_key(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()
    return digest[:16]


def _forecast(history: pd.DataFrame, category: str, start: date, horizon: int) -> Any:
    from core.domain.forecast import category_weekly_series, forecast_season, store_category_panel

    series = category_weekly_series(history, category).values
    try:
        # The same forecast as the pre-season's: the global member trained across the category's
        # store series (docs/planning-rules.md §4.2).
        return forecast_season(series, season_start=start, horizon_weeks=horizon, category=category, backtest=False,
                               panel=store_category_panel(history, category))
    except ValueError as exc:
        raise PlannerError(f"forecast for {category!r} from {start.isoformat()}: {exc}") from None


def _season(history: pd.DataFrame, stores: pd.DataFrame, category: str, start: date, horizon: int) -> Season:
    from core.domain.report import unit_price

    known = history[pd.to_datetime(history["week_start"]) < pd.Timestamp(start)].reset_index(drop=True)
    return Season(key=f"{start.isoformat()}:{_history_key(known)}", forecast=_forecast(known, category, start, horizon),
                  history=known, stores=stores, unit_price=unit_price(known, category))


def _at(pset: ParameterSet, start: date) -> ParameterSet:
    if pset.parameters.season_start == start:
        return pset
    return pset.model_copy(update={"parameters": pset.parameters.model_copy(update={"season_start": start})})


# A season's demand paths (P, S, W): an array, or Monte Carlo paths drawn chunk by chunk where they are simulated.
Demand = np.ndarray | MonteCarloPaths


def build_seasons(history: pd.DataFrame, stores: pd.DataFrame, sets: list[ParameterSet],
                  spec: DemandSpec) -> list[tuple[Season, Demand, dict[str, Any]]]:
    """(season, demand (P, S, W), description) for each season of the comparison."""
    p = sets[0].parameters
    category, horizon = p.category, p.horizon_weeks
    rows = history[history["category"] == category].reset_index(drop=True)
    if rows.empty:
        raise PlannerError(f"category = {category!r} has no rows in the history: allowed "
                           f"{', '.join(sorted(history['category'].astype(str).unique()))}")
    ids = stores["store_id"].astype(str).tolist()
    out: list[tuple[Season, Demand, dict[str, Any]]] = []
    if spec.source == "replay":
        problems: list[str] = []
        cuts = []
        for start in spec.starts:
            try:
                cuts.append(replay_cut(rows, category, start, horizon))
            except PlannerError as exc:
                problems.extend(exc.messages)
        if problems:
            raise PlannerError(problems)
        for cut in cuts:
            season = _season(rows, stores, category, cut.start, horizon)
            units = cut.demand(ids)
            out.append((season, units[None], {"start": cut.start.isoformat(), "end": (cut.start + timedelta(
                weeks=horizon, days=-1)).isoformat(), "total": int(units.sum()),
                "forecast_total": round(season.forecast.total, 1)}))
        return out
    season = _season(rows, stores, category, p.season_start, horizon)
    if spec.source == "observed":
        units = np.asarray(spec.observed, dtype=float)
        if units.shape != (len(ids), horizon):
            raise PlannerError(f"observed demand has shape {units.shape}: expected ({len(ids)} stores, "
                               f"{horizon} weeks)")
        return [(season, units[None], {"start": p.season_start.isoformat(), "total": round(float(units.sum()), 1),
                                       "forecast_total": round(season.forecast.total, 1)})]
    # Each store's demand follows its own history (its sales in the same weeks last year, else all its
    # history), not any set's allocation, so a set that places stock badly shows it (lost sales + leftover).
    from core.domain.allocation import store_sales_basis

    sales, basis = store_sales_basis(stores, season.history, category=category, season_start=p.season_start,
                                     horizon_weeks=horizon)
    weights = sales.to_numpy(dtype=float)
    # Drawn chunk by chunk where they are simulated: bounded memory whatever the stores and paths.
    paths = MonteCarloPaths(season.forecast, weights, spec.paths, spec.seed)
    totals = paths.totals()
    desc = {"start": p.season_start.isoformat(), "forecast_total": round(season.forecast.total, 1),
            "weights_from": f"store sales: {basis}", "week_correlation": round(correlation(season.forecast), 4),
            "total": {q: round(float(np.percentile(totals, v)), 1)
                      for q, v in (("p10", 10), ("median", 50), ("p90", 90))}}
    return [(season, paths, desc)]


# ------------------------------------------------------------------------------------------ executors
_P = ParamSpec("_P")
_T = TypeVar("_T")


class InlineExecutor(Executor):
    """Runs each task at once in this process (one task, one core, or tests)."""

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        f: Future[_T] = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future, as a pool would
            f.set_exception(exc)
        return f


@contextmanager
def default_executor(n_tasks: int, workers: int | None = None) -> Iterator[Executor]:
    """This machine's cores (the service hands in the worker's executor when a broker is set)."""
    n = min(workers or os.cpu_count() or 1, n_tasks)
    if n <= 1:
        yield InlineExecutor()
        return
    # fork is fastest (the workers inherit the imported modules) but unsafe under other threads (a
    # Streamlit server): there the workers are spawned fresh.
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    with ProcessPoolExecutor(max_workers=n, mp_context=get_context(method)) as pool:
        yield pool


def _tasks(sets: list[ParameterSet], seasons: list[tuple[Season, Demand, dict]], workers: int) -> list[Task]:
    tasks = []
    for j, (season, units, _) in enumerate(seasons):
        # Paths are split only when there are fewer (set, season) pairs than workers.
        chunks = max(1, min(units.shape[0], math.ceil(workers / (len(sets) * len(seasons)))))
        bounds = np.linspace(0, units.shape[0], chunks + 1).astype(int)
        for i, pset in enumerate(sets):
            for a, b in zip(bounds[:-1], bounds[1:]):
                tasks.append(Task(set_index=i, season_index=j, pset=_at(pset, season.forecast.weeks[0].start),
                                  season=season, demand=units[a:b], first_path=int(a)))
    return tasks


def run_tasks(tasks: list[Task], executor: Executor | None = None, progress: Progress | None = None,
              workers: int | None = None) -> list[dict[str, Any]]:
    def go(ex: Executor) -> list[dict[str, Any]]:
        futures = [ex.submit(run_task, t) for t in tasks]
        done = []
        for f in as_completed(futures):
            done.append(f.result())
            if progress is not None:
                progress(len(done), len(tasks))
        return done

    if executor is not None:
        return go(executor)
    with default_executor(len(tasks), workers) as ex:
        return go(ex)


# ------------------------------------------------------------------------------------------ document
def _set_document(pset: ParameterSet, parts: list[dict[str, Any]]) -> dict[str, Any]:
    parts = sorted(parts, key=lambda r: (r["season_index"], r["first_path"]))
    per_path = {k: np.concatenate([r["metrics"][k] for r in parts]) for k in parts[0]["metrics"]}
    summary = summarise(per_path)
    weekly = {k: np.concatenate([r["weekly"][k] for r in parts]) for k in parts[0]["weekly"]}
    orders = sorted({(r["season_index"], r["order"]) for r in parts})
    order_values = [o for _, o in orders]
    return {
        "name": pset.name, "parameters": pset.label(), "order": int(np.median(order_values)),
        "metrics": {k: summary["median"][k] for k in METRICS},
        "p10": {k: summary["p10"][k] for k in METRICS}, "p90": {k: summary["p90"][k] for k in METRICS},
        "orders": order_values, "proposed_orders": [r["proposed_order"] for r in parts if r["first_path"] == 0],
        "unit_price": parts[0]["unit_price"], "unit_cost": pset.cost,
        "leftover_stores": summary["median"]["leftover_stores"], "leftover_dc": summary["median"]["leftover_dc"],
        "reforecasts": float(np.median(np.concatenate([r["reforecasts"] for r in parts]))),
        "markdown_depth": float(np.median(np.concatenate([r["markdown_depth"] for r in parts]))),
        "paths": int(per_path["sold"].size),
        "weekly": weekly_summary(weekly),
    }


def compare(history: pd.DataFrame, stores: pd.DataFrame, sets: list[ParameterSet], spec: DemandSpec, *,
            sources: list[str] | None = None, executor: Executor | None = None, progress: Progress | None = None,
            workers: int | None = None) -> dict[str, Any]:
    """The comparison document: {"sets": [...], "demand": {...}, "seed": n, "best": {metric: [names]}}."""
    if spec.source == "replay" and spec.starts:
        sets = [_at(s, spec.starts[0]) for s in sets]  # a replay's seasons start where the history says
    check_comparable(sets, sources or [s.name for s in sets])
    seasons = build_seasons(history, stores, sets, spec)
    n_workers = workers or os.cpu_count() or 1
    results = run_tasks(_tasks(sets, seasons, n_workers), executor, progress, workers)
    docs = [_set_document(pset, [r for r in results if r["set_index"] == i]) for i, pset in enumerate(sets)]
    demand: dict[str, Any] = {"source": spec.source, "weeks": sets[0].parameters.horizon_weeks,
                              "category": sets[0].parameters.category, "stores": int(len(stores))}
    if spec.source == "replay":
        demand["seasons"] = [d for _, _, d in seasons]
    elif spec.source == "observed":
        demand.update(seasons[0][2], label=spec.label)
    else:
        demand.update(seasons[0][2], paths=spec.paths)
    doc: dict[str, Any] = {"sets": docs, "demand": demand, "seed": spec.seed, "best": best_per_metric(docs),
                           "best_set": best_set(docs)}
    notes = list(getattr(executor, "notes", None) or [])  # where the parts ran, when not where asked
    if notes:
        doc["notes"] = notes
    return doc
