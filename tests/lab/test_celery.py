"""Scenario-lab tasks on Celery: JSON round trip, and a real worker on Redis (127.0.0.1:6379) giving the
same document as running inline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from core.domain.ingest import parse_history, parse_stores
from core.domain.simulation import parameter_set
from core.lab.runner import DemandSpec, InlineExecutor, _tasks, build_seasons, compare
from core.lab.tasks import _arrays, _plain, task_from_json, task_to_json
from core.lab.work import run_task
from tests.orchestrator.conftest import SEASON_START, history_csv, stores_csv

pytestmark = pytest.mark.slow  # the fast tier (scripts/test.sh --fast) leaves it out

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/15"


def frames():
    return parse_history(history_csv(), "history.csv").frame, parse_stores(stores_csv(), "stores.csv").frame


def sets():
    base = {"category": "Dresses", "season_start": SEASON_START.isoformat(), "horizon_weeks": 6, "markdown_week": 3,
            "n_clusters": 2}
    return [parameter_set({**base, "name": "a"}, source="a"),
            parameter_set({**base, "name": "b", "safety_stock": 0.4, "unit_cost": 20.0}, source="b")]


def test_a_task_survives_the_json_round_trip() -> None:
    history, stores = frames()
    seasons = build_seasons(history, stores, sets(), DemandSpec("monte-carlo", paths=6, seed=1))
    task = _tasks(sets(), seasons, 1)[1]
    again = task_from_json(task_to_json(task))
    direct, via = run_task(task), _arrays(_plain(run_task(again)))
    assert direct["order"] == via["order"]
    for k in direct["metrics"]:
        assert np.allclose(direct["metrics"][k], via["metrics"][k], equal_nan=True), k
    assert np.allclose(direct["weekly"]["sold"], via["weekly"]["sold"])


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means no Redis here
        return f"Redis not reachable at {REDIS}: {exc}"


@pytest.fixture
def lab_worker(monkeypatch: pytest.MonkeyPatch):
    reason = _redis_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    queue = f"lab-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("SEASON_PLANNER_LAB_QUEUE", queue)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SEASON_PLANNER_BROKER_URL": REDIS,
           "SEASON_PLANNER_LAB_QUEUE": queue}
    proc = subprocess.Popen([sys.executable, "-m", "core.lab.tasks"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_compare_on_a_celery_worker_matches_inline(lab_worker) -> None:
    from core.lab import tasks

    tasks._apps.clear()  # a fresh app reads this test's queue name
    CeleryExecutor = tasks.CeleryExecutor
    executor = CeleryExecutor(REDIS, timeout_s=240)
    deadline = time.monotonic() + 60
    while not executor.workers_available() and time.monotonic() < deadline:
        time.sleep(1)
    assert executor.workers_available(), "the lab worker did not start"
    history, stores = frames()
    spec = DemandSpec("monte-carlo", paths=8, seed=3)
    done: list[int] = []
    remote = compare(history, stores, sets(), spec, executor=executor, progress=lambda d, t: done.append(d))
    local = compare(history, stores, sets(), spec, executor=InlineExecutor())
    assert remote == local
    assert done == [1, 2]
