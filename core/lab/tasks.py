"""Scenario-lab work as Celery tasks, when SEASON_PLANNER_BROKER_URL is set (e.g. redis://127.0.0.1:6379/0).

Each core.lab.work.Task travels as JSON (never pickle: whoever can write to the broker must not be
able to run code in a worker) on its own queue; the worker runs the same run_task and the figures
come back through the result backend (the broker's Redis). Workers:

    python -m core.lab.tasks [--concurrency N]      # consumes the lab queue of $SEASON_PLANNER_BROKER_URL

CeleryExecutor has concurrent.futures' submit(); when no lab worker answers a ping, the runner falls
back to the local process pool instead of waiting for ever (core.lab.runner.default_executor).
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future
from typing import Any

import numpy as np
import pandas as pd

RUN = "season_planner.lab.run_task"
QUEUE_ENV = "SEASON_PLANNER_LAB_QUEUE"
TIMEOUT_S = 600.0
_apps: dict[str, Any] = {}


def queue_name() -> str:
    return os.environ.get(QUEUE_ENV, "season-planner-lab")


_lock = threading.Lock()


def lab_app(broker_url: str) -> Any:
    from celery import Celery

    with _lock:
        if broker_url in _apps:
            return _apps[broker_url]
        backend = broker_url if broker_url.startswith(("redis://", "rediss://")) else "rpc://"
        app = Celery("season_planner_lab", broker=broker_url, backend=backend, set_as_current=False)
        app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                        task_default_queue=queue_name(), result_expires=3600, worker_prefetch_multiplier=1,
                        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)
        app.task(name=RUN)(run_json)
        _apps[broker_url] = app
        return app


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
class CeleryExecutor:
    """submit(run_task, task) -> Future resolved from the Celery result (a thread waits for it)."""

    def __init__(self, broker_url: str, timeout_s: float = TIMEOUT_S):
        self.app = lab_app(broker_url)
        self.timeout_s = timeout_s

    def workers_available(self, wait_s: float = 1.5) -> bool:
        try:
            return bool(self.app.control.ping(timeout=wait_s))
        except Exception:  # broker unreachable: no Celery here
            return False

    def submit(self, fn: Any, task: Any) -> Future:
        future: Future = Future()
        result = self.app.send_task(RUN, args=[task_to_json(task)], queue=queue_name())

        def wait() -> None:
            try:
                future.set_result(_arrays(result.get(timeout=self.timeout_s)))
            except BaseException as exc:  # handed to the caller through the future
                future.set_exception(exc)

        threading.Thread(target=wait, daemon=True, name="lab-celery-result").start()
        return future

    def __enter__(self) -> "CeleryExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m core.lab.tasks", description="a Celery worker for scenario-lab runs")
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--loglevel", default="WARNING")
    args = p.parse_args(argv)
    broker = os.environ.get("SEASON_PLANNER_BROKER_URL")
    if not broker:
        sys.stderr.write("error: set SEASON_PLANNER_BROKER_URL (e.g. redis://127.0.0.1:6379/0)\n")
        return 2
    pool = ["--pool=solo"] if args.concurrency <= 1 else ["--pool=prefork", f"--concurrency={args.concurrency}"]
    lab_app(broker).worker_main(argv=["worker", f"--queues={queue_name()}", f"--loglevel={args.loglevel}",
                                      "--without-gossip", "--without-mingle", *pool])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
