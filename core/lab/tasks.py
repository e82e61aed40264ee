"""Scenario-lab parts on the one worker (`python -m core worker`), when SEASON_PLANNER_BROKER_URL is set.

Each core.lab.work.Task travels as JSON (never pickle: whoever can write to the broker must not be
able to run code in a worker); the worker runs the same run_task and the figures come back through
the result backend. The lab is library code: it knows neither the broker nor the Celery app. The
service (core/orchestrator/lab_remote.py) gives RemoteExecutor the functions that send a part and
ask whether a worker answers.

RemoteExecutor has concurrent.futures' submit() and never waits for a worker that is not there:
- no worker answers when the comparison starts: every part runs on this machine;
- no part is taken or finished for `take_s` (a few seconds) and no worker answers: the parts not yet
  done run on this machine (a worker killed mid-comparison, or one busy elsewhere);
each time with a note that the comparison document carries (`notes`) and the pages show.
Parts are pure: a part that runs twice (here and, later, on a worker) gives the same figures, and
the first answer counts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)
TAKE_S = 5.0
TIMEOUT_S = 600.0


# ------------------------------------------------------------------------------ JSON both ways
def _frame(df: pd.DataFrame) -> dict[str, Any]:
    out = {}
    for col in df.columns:
        s = df[col]
        out[col] = s.dt.strftime("%Y-%m-%d").tolist() if pd.api.types.is_datetime64_any_dtype(s) else \
            [None if (isinstance(v, float) and v != v) else v for v in s.tolist()]
    return {"columns": list(df.columns), "data": out,
            "dates": [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]}


def _unframe(d: dict[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame({c: d["data"][c] for c in d["columns"]})
    for c in d["dates"]:
        df[c] = pd.to_datetime(df[c])
    for c in ("quantity", "revenue"):
        if c in df.columns:
            df[c] = df[c].astype(float)
    return df


def task_to_json(task: Any) -> dict[str, Any]:
    s = task.season
    return {"set_index": task.set_index, "season_index": task.season_index, "first_path": task.first_path,
            "pset": task.pset.model_dump(mode="json"), "demand": np.asarray(task.demand).tolist(),
            "season": {"key": s.key, "forecast": s.forecast.model_dump(mode="json"), "history": _frame(s.history),
                       "stores": _frame(s.stores), "unit_price": s.unit_price}}


def task_from_json(d: dict[str, Any]) -> Any:
    from core.domain.models import ForecastResult
    from core.domain.simulation import ParameterSet
    from core.lab.work import Season, Task

    s = d["season"]
    season = Season(key=s["key"], forecast=ForecastResult.model_validate(s["forecast"]),
                    history=_unframe(s["history"]), stores=_unframe(s["stores"]), unit_price=float(s["unit_price"]))
    return Task(set_index=d["set_index"], season_index=d["season_index"], pset=ParameterSet.model_validate(d["pset"]),
                season=season, demand=np.asarray(d["demand"], dtype=np.int64), first_path=d["first_path"])


def _plain(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return {"__array__": [None if v != v else v for v in x.astype(float).ravel().tolist()], "shape": list(x.shape)}
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (np.integer, np.floating)):
        return x.item()
    return x


def _arrays(x: Any) -> Any:
    if isinstance(x, dict) and "__array__" in x:
        return np.array([np.nan if v is None else v for v in x["__array__"]], dtype=float).reshape(x["shape"])
    if isinstance(x, dict):
        return {k: _arrays(v) for k, v in x.items()}
    return x


def run_json(payload: dict[str, Any]) -> dict[str, Any]:
    """The task body: run_task on the decoded task, figures back as JSON."""
    from core.lab.work import run_task

    return _plain(run_task(task_from_json(payload)))


# ------------------------------------------------------------------------------ executor
@dataclass
class _Part:
    task: Any
    future: Future
    result: Any = None  # the broker's AsyncResult; None when the part runs here


@dataclass
class RemoteExecutor:
    """submit(run_task, task) -> Future, resolved from the worker's answer or from a local run."""

    send: Callable[[dict[str, Any]], Any]  # payload -> AsyncResult (ready(), successful(), get(), state)
    ping: Callable[[float], bool]  # timeout -> does a worker answer?
    take_s: float = TAKE_S
    poll_s: float = 0.2
    notes: list[str] = field(default_factory=list)
    _parts: list[_Part] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _monitor: threading.Thread | None = None
    _local_only: bool | None = None

    def submit(self, fn: Any, task: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._local_only is None:
                self._local_only = not self._answers()
                if self._local_only:
                    self.notes.append("ran on this machine: no worker answered on the broker (start `python -m "
                                      "core worker` to run comparisons there)")
            part = _Part(task, future)
            if not self._local_only:
                try:
                    part.result = self.send(task_to_json(task))
                except Exception as exc:  # the broker went away: this part runs here
                    log.warning("lab part not sent (%s): running it here", exc)
            self._parts.append(part)
            if self._monitor is None:
                self._monitor = threading.Thread(target=self._follow, daemon=True, name="lab-remote")
                self._monitor.start()
        return future

    def _answers(self, timeout: float = 1.5) -> bool:
        try:
            return bool(self.ping(timeout))
        except Exception:  # broker unreachable: no worker
            return False

    def _follow(self) -> None:
        last_progress = time.monotonic()
        deadline = time.monotonic() + TIMEOUT_S
        misses = 0  # unanswered "are you there?" in a row (a loaded worker may miss one)
        while True:
            with self._lock:
                open_parts = [p for p in self._parts if not p.future.done()]
                if not open_parts:
                    self._monitor = None
                    return
            for p in open_parts:
                if p.result is None:
                    _run_here(p)
                    last_progress = time.monotonic()
                elif _settle(p):
                    last_progress, misses = time.monotonic(), 0
            quiet = time.monotonic() - last_progress
            if quiet >= self.take_s:
                misses = 0 if self._answers(timeout=2.0) else misses + 1
            if misses >= 2 or time.monotonic() > deadline:
                self._fall_back(open_parts, quiet)
                last_progress, misses = time.monotonic(), 0
            time.sleep(self.poll_s)

    def _fall_back(self, parts: list[_Part], quiet: float) -> None:
        left = [p for p in parts if not p.future.done()]
        if not left:
            return
        self.notes.append(f"ran on this machine: no worker took or finished the lab's parts within {quiet:.0f} s "
                          f"and none answers ({len(left)} of {len(self._parts)} parts ran here)")
        for p in left:
            p.result = None

    def __enter__(self) -> RemoteExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def _settle(p: _Part) -> bool:
    """True when the worker's answer is in (the future then holds it, or its error)."""
    try:
        if not p.result.ready():
            return False
        value = p.result.get(timeout=5, propagate=True, disable_sync_subtasks=False)
        if not p.future.done():
            p.future.set_result(_arrays(value))
    except Exception as exc:  # handed to the caller through the future, as a pool would
        if not p.future.done():
            p.future.set_exception(exc)
    return True


def _run_here(p: _Part) -> None:
    from core.lab.work import run_task

    try:
        value = run_task(p.task)
        if not p.future.done():
            p.future.set_result(value)
    except BaseException as exc:  # handed to the caller through the future
        if not p.future.done():
            p.future.set_exception(exc)
