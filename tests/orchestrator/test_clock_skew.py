"""A look from a machine whose clock runs ahead never takes over a live step (attack round: 45 s ahead
took over a running step and wrote a false "resumed" event). Leases are timed by the database's clock."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from core.orchestrator.engine.step_engine import utcnow
from tests.orchestrator.conftest import params
from tests.orchestrator.helpers import new_service, small_dataset


def test_a_clock_45_s_ahead_does_not_take_over_a_live_step(db_url: str) -> None:
    owner = new_service(db_url)
    ds = small_dataset(owner)
    release, running = threading.Event(), threading.Event()

    def hold(step: str, args: dict) -> None:
        running.set()
        release.wait(60)

    owner.steps.fault_hook = hold
    started: dict = {}
    worker = threading.Thread(target=lambda: started.update(doc=owner.start_workflow(params(), dataset_id=ds)))
    worker.start()
    assert running.wait(60)
    wf = owner.list_workflows()[0].workflow_id

    ahead = new_service(db_url, clock=lambda: utcnow() + timedelta(seconds=45))
    ahead.steps.lease_from_db = True  # as in production: its own clock is wrong, the database's is one
    try:
        assert ahead.steps.pending_unclaimed(wf) is None  # the step is alive
        assert ahead.steps.claim(wf) is None
        assert ahead.resume(wf) is False
    finally:
        release.set()
        worker.join(60)
    time.sleep(0.1)
    kinds = [e.kind for e in owner.events(wf)]
    assert "resumed" not in kinds
    assert owner.status(wf).state == "awaiting_order_approval"
    ahead.close()
    owner.close()
