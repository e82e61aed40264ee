"""The same season on the three executors gives the same results (docs/architecture.md, "Step engine").

`inline` runs a step before the action returns; `thread` and `celery` return at once and the step
runs in a background thread or in a real `python -m core worker` process on Redis. Each season
here is compared, figure by figure, with the inline run.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.orchestrator.steps.states import State
from tests.celery_support import QUEUE, REDIS_URL, Worker, need_redis, worker_env
from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset

WEEKLY_SCALES = [1.0, 1.4, 1.3, 0.9, 1.0, 1.1]  # week 2 trips the re-forecast, week 3 is the markdown week


@pytest.fixture(scope="session")
def celery_worker():
    need_redis()
    worker = Worker()
    yield worker
    worker.stop()


@pytest.fixture
def executor_kind(request, monkeypatch):
    kind = request.param
    if kind == "celery":
        request.getfixturevalue("celery_worker")
        monkeypatch.setenv("SEASON_PLANNER_BROKER_URL", REDIS_URL)
        monkeypatch.setenv("SEASON_PLANNER_QUEUE", QUEUE)
    return kind


def run_season(svc, ds: int) -> str:
    """Order accepted, six weeks uploaded, the markdown modified: waits for each step."""
    # The safety-stock order (20% over the forecast) leaves the sell-through under target at the checkpoint, so
    # the season passes a markdown gate on every executor.
    doc = svc.start_workflow(params(safety_stock=0.2), dataset_id=ds)
    wf = doc.workflow_id
    assert svc.wait(wf, timeout_s=120).state == State.AWAITING_ORDER_APPROVAL
    svc.decide(wf, accept=True)
    upload_the_weeks(svc, wf)
    return wf


def upload_the_weeks(svc, wf: str) -> None:
    """The six weeks, the markdown modified to 10% at its gate; waits for each step, ends closed."""
    for week, scale in enumerate(WEEKLY_SCALES, start=1):
        doc = svc.wait(wf, timeout_s=120)
        if doc.state == State.AWAITING_MARKDOWN_APPROVAL:
            svc.decide(wf, accept=False, value=0.1, reason="test a smaller markdown")
            svc.wait(wf, timeout_s=120)
        svc.upload_actuals(wf, actuals_csv(week, base_daily(scale)), f"week_{week}.csv")
    assert svc.wait(wf, timeout_s=120).state == State.CLOSED


def season_figures(svc, wf: str) -> dict:
    doc = svc.status(wf).model_dump(mode="json")
    report = svc.report(wf).model_dump(mode="json")
    report.pop("runtime_s")
    kinds = [e.kind for e in svc.events(wf)]
    return {"weeks": doc["weeks"], "allocation": doc["allocation"], "replenishment": doc["replenishment"],
            "markdown": {k: v for k, v in doc["markdown"].items() if k != "approval_id"},
            "forecast": doc["forecast"], "report": report, "dc_on_hand": doc["dc_on_hand"],
            "event_kinds": sorted(k for k in kinds if k != "warning")}


@pytest.fixture(scope="module")
def inline_reference(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('inline') / 'ref.db'}"
    svc = new_service(url)
    wf = run_season(svc, small_dataset(svc))
    figures = season_figures(svc, wf)
    svc.close()
    return figures


@pytest.mark.parametrize("executor_kind", ["inline", "thread", "celery"], indirect=True)
def test_a_season_gives_the_same_figures_on_every_executor(db_url, executor_kind, inline_reference):
    svc = new_service(db_url, executor=executor_kind)
    wf = run_season(svc, small_dataset(svc))
    got = season_figures(svc, wf)
    assert got == inline_reference
    assert got["report"]["sell_through"] > 0 and got["markdown"]["approved"] == 0.1
    svc.close()


@pytest.mark.parametrize("executor_kind", ["thread", "celery"], indirect=True)
def test_a_background_action_returns_before_its_step_runs(db_url, executor_kind):
    """The planner's click only records the action; conflicting actions are refused meanwhile."""
    from core.domain.errors import ActionNotAllowed

    svc = new_service(db_url, executor=executor_kind)
    doc = svc.start_workflow(params(), dataset_id=small_dataset(svc))
    # Either still queued / running (the usual case) or already done: never half-done.
    assert doc.running_step in ("forecast", None)
    if doc.running_step is not None:
        assert doc.state == State.FORECASTING and doc.order is None
        with pytest.raises(ActionNotAllowed):
            svc.decide(doc.workflow_id, accept=True)
    done = svc.wait(doc.workflow_id, timeout_s=120)
    assert done.state == State.AWAITING_ORDER_APPROVAL and done.order.proposed > 0
    svc.close()


@pytest.mark.slow
def test_a_worker_killed_mid_step_is_resumed_once_by_a_restarted_worker(db_url, monkeypatch, tmp_path: Path,
                                                                        inline_reference):
    """kill -9 of the worker while it runs the allocation: a new worker takes the dead claim over
    and the step completes exactly once, with the figures of an undisturbed season."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the kill test runs once, on SQLite; the PostgreSQL pass covers the engine elsewhere")
    need_redis()
    monkeypatch.setenv("SEASON_PLANNER_BROKER_URL", REDIS_URL)
    monkeypatch.setenv("SEASON_PLANNER_QUEUE", QUEUE + "-kill")
    env = worker_env(SEASON_PLANNER_QUEUE=QUEUE + "-kill")
    flag = tmp_path / "in-allocate"
    slow = Worker(db_url, "allocate", str(flag), module="tests.slow_worker", env=env)
    svc = new_service(db_url, executor="celery")
    ds = small_dataset(svc)
    doc = svc.start_workflow(params(safety_stock=0.2), dataset_id=ds)  # as run_season
    wf = doc.workflow_id
    assert svc.wait(wf, timeout_s=120).state == State.AWAITING_ORDER_APPROVAL
    svc.decide(wf, accept=True)
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), slow.log.read_text()[-2000:]
    assert svc.status(wf).running_step == "allocate"
    slow.kill9()
    fresh = Worker("--db", db_url, env=env)
    try:
        doc = svc.wait(wf, timeout_s=120)
        assert doc.state == State.IN_SEASON and doc.running_step is None
        events = svc.events(wf)
        assert [e.step for e in events if e.kind == "step_done"].count("allocate") == 1
        assert [e.kind for e in events].count("resumed") == 1
        assert sum(a.season_total for a in doc.allocation) == doc.order.approved
        assert sum(a.initial for a in doc.allocation) + doc.dc_on_hand == doc.order.approved
        upload_the_weeks(svc, wf)
        got = season_figures(svc, wf)
        assert got["report"] == inline_reference["report"]
        assert got["replenishment"] == inline_reference["replenishment"]
        assert got["weeks"] == inline_reference["weeks"]
    finally:
        fresh.stop()
        svc.close()
