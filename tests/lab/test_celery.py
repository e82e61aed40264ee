"""Scenario-lab parts on the one worker (`python -m core worker`, Redis at 127.0.0.1:6379): JSON round
trip; the same document as running inline; no worker -> run here with a note; a worker killed
mid-comparison -> the parts left run here, no 600 s wait."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from core.domain.ingest import parse_history, parse_stores
from core.domain.simulation import parameter_set
from core.lab.runner import DemandSpec, InlineExecutor, _tasks, build_seasons, compare
from core.lab.tasks import _arrays, _plain, task_from_json, task_to_json
from core.lab.work import run_task
from tests.celery_support import QUEUE, REDIS_URL, Worker, need_redis, worker_env
from tests.orchestrator.conftest import SEASON_START, history_csv, stores_csv

pytestmark = pytest.mark.slow  # the fast tier (scripts/test.sh --fast) leaves it out


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


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> str:
    """Redis, and a queue of this test's own (no other test's worker takes its parts)."""
    need_redis()
    queue = f"{QUEUE}-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("SEASON_PLANNER_BROKER_URL", REDIS_URL)
    monkeypatch.setenv("SEASON_PLANNER_QUEUE", queue)
    monkeypatch.delenv("SEASON_PLANNER_LAB_QUEUE", raising=False)
    return queue


@pytest.fixture
def lab_worker(broker: str):
    """`python -m core worker`: the one worker takes the lab's parts too (on the queue's "-lab" twin)."""
    worker = Worker(env=worker_env(SEASON_PLANNER_QUEUE=broker))
    try:
        yield worker
    finally:
        worker.stop()


def four_sets():
    base = {"category": "Dresses", "season_start": SEASON_START.isoformat(), "horizon_weeks": 6, "markdown_week": 3,
            "n_clusters": 2}
    more = [parameter_set({**base, "name": n, "dc_holdback": h}, source=n) for n, h in (("c", 0.1), ("d", 0.5))]
    return sets() + more


def test_compare_on_the_worker_matches_inline(broker, lab_worker) -> None:
    from core.orchestrator.lab_remote import lab_executor

    history, stores = frames()
    spec = DemandSpec("monte-carlo", paths=8, seed=3)
    done: list[int] = []
    with lab_executor() as executor:
        remote = compare(history, stores, sets(), spec, executor=executor, progress=lambda d, t: done.append(d))
    local = compare(history, stores, sets(), spec, executor=InlineExecutor())
    assert "notes" not in remote, remote.get("notes")  # the worker took every part
    assert remote == local
    assert done == [1, 2]


def test_without_a_worker_the_lab_runs_here_and_says_so(broker) -> None:
    from core.orchestrator.lab_remote import lab_executor

    history, stores = frames()
    spec = DemandSpec("monte-carlo", paths=4, seed=1)
    with lab_executor() as executor:
        remote = compare(history, stores, sets(), spec, executor=executor)
    notes = remote.pop("notes")
    assert notes and "ran on this machine: no worker answered" in notes[0]
    assert remote == compare(history, stores, sets(), spec, executor=InlineExecutor())


def test_a_worker_killed_mid_comparison_does_not_hang_it(broker, lab_worker) -> None:
    """kill -9 of the worker after its first part: the parts left run here (a few seconds later, not
    after 600 s), the figures are those of an undisturbed run, and the document says what happened."""
    from core.orchestrator.lab_remote import lab_executor

    history, stores = frames()
    spec = DemandSpec("monte-carlo", paths=8, seed=5)

    def kill_after_first(done: int, total: int) -> None:
        if done == 1:
            lab_worker.kill9()

    with lab_executor() as executor:
        remote = compare(history, stores, four_sets(), spec, executor=executor, progress=kill_after_first)
    assert lab_worker.proc.poll() is not None, "the worker was not killed"
    notes = remote.pop("notes")
    assert any("none answers" in n and "parts ran here" in n for n in notes), notes
    assert remote == compare(history, stores, four_sets(), spec, executor=InlineExecutor())
