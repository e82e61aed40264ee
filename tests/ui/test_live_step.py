"""A step running in the background: the page says so live, conflicting actions are disabled, and
the result shows once the step is done (docs/architecture.md, "Step engine")."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone

from streamlit.testing.v1 import AppTest

from core.db.models import StepLease
from core.orchestrator.engine.leases import process_start_of
from tests.ui.conftest import texts
from tests.ui.test_pages import DEMO_PARAMS, button, open_page


def _claimed_by_a_live_process(service, wf: str, *, since_s: float) -> None:
    """The allocation pending and claimed by a live process (our parent): as if a worker ran it."""
    from core.orchestrator.service import PlannerService

    PlannerService(service.db_url, executor="deferred").decide(wf, accept=True)
    now = datetime.now(timezone.utc)
    with service.uow.begin() as repo:
        repo.s.add(StepLease(workflow_id=wf, token="worker", step="allocate", owner="worker", host=socket.gethostname(),
                             pid=os.getppid(), process_start=process_start_of(os.getppid()),
                             claimed_at=now - timedelta(seconds=since_s), heartbeat_at=now,
                             expires_at=now + timedelta(minutes=5)))


def test_a_running_step_is_followed_live_and_blocks_conflicting_actions(app: AppTest, service):
    demo = next(d for d in service.list_datasets() if d.source == "demo")
    wf = service.start_workflow(DEMO_PARAMS, dataset_id=demo.id).workflow_id
    _claimed_by_a_live_process(service, wf, since_s=75)

    open_page(app, "in_season", wf)
    bars = [p.text for p in app.get("progress")]
    assert any("Clustering stores and allocating" in (t or "") for t in bars), bars
    assert any("more than 60 s" in t for t in texts(app.warning))
    assert any(t.startswith("Running: allocate") for t in texts(app.sidebar.info))
    # The order is decided and the step is under way: no decision is offered meanwhile.
    open_page(app, "approvals")
    assert not [b for b in app.button if b.label == "Accept"]
    assert any("A step is running" in t for t in texts(app.info))

    # The worker finishes: the claim is released and the step's result committed.
    with service.uow.begin() as repo:
        repo.release_lease(wf, "worker")
    assert service.steps.run(wf)
    open_page(app, "forecast")
    assert not [p for p in app.get("progress") if "Clustering" in (p.text or "")]
    assert app.metric[2].value.endswith("units")  # the approved order
    assert service.status(wf).allocation


def test_the_close_button_is_disabled_while_a_week_is_processed(app: AppTest, service):
    demo = next(d for d in service.list_datasets() if d.source == "demo")
    wf = service.start_workflow(DEMO_PARAMS, dataset_id=demo.id).workflow_id
    service.decide(wf, accept=True)
    from core.demo import demo_actuals_bytes
    from core.orchestrator.service import PlannerService

    PlannerService(service.db_url, executor="deferred").upload_actuals(wf, demo_actuals_bytes("normal", 1), "w1.csv")
    now = datetime.now(timezone.utc)
    with service.uow.begin() as repo:
        repo.s.add(StepLease(workflow_id=wf, token="worker", step="week", owner="worker", host=socket.gethostname(),
                             pid=os.getppid(), process_start=process_start_of(os.getppid()), claimed_at=now,
                             heartbeat_at=now, expires_at=now + timedelta(minutes=5)))
    open_page(app, "in_season", wf)
    app.checkbox(key="confirm_close").check().run()
    close = button(app, "Close season")
    assert close.disabled


def test_a_step_whose_worker_stopped_says_so_and_what_happens_next(app: AppTest, service, monkeypatch):
    from core.orchestrator.service import PlannerService

    # Nothing in this app process picks the step up (as when its workers are elsewhere), so the stalled
    # claim stays on screen; with the thread executor the app's own sweep would run it at once.
    monkeypatch.setenv("SEASON_PLANNER_EXECUTOR", "deferred")

    demo = next(d for d in service.list_datasets() if d.source == "demo")
    wf = service.start_workflow(DEMO_PARAMS, dataset_id=demo.id).workflow_id
    PlannerService(service.db_url, executor="deferred").decide(wf, accept=True)
    with service.uow.begin() as repo:
        now = repo.db_now()
        # Claimed on another host whose heartbeat stopped: its lease ran out a minute ago.
        repo.s.add(StepLease(workflow_id=wf, token="gone", step="allocate", owner="worker@elsewhere", host="elsewhere",
                             pid=4242, process_start="1", claimed_at=now - timedelta(minutes=3),
                             heartbeat_at=now - timedelta(minutes=2), expires_at=now - timedelta(minutes=1)))
    assert service.status(wf).step_claim == "stalled"
    open_page(app, "in_season", wf)
    errors = texts(app.error)
    assert any("stopped answering" in t and "python -m core retry" in t for t in errors), errors
    assert not [p for p in app.get("progress") if "Clustering" in (p.text or "")]
