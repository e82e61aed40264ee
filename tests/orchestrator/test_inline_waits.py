"""An inline action returns with its step done even when another caller claimed the step first (its
sweep found it the moment it was recorded): it waits for that run, or takes over a claim that ends."""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

from core.db.models import StepLease
from core.orchestrator.engine.executors import InlineExecutor
from core.orchestrator.engine.leases import process_start_of
from core.orchestrator.steps.states import State
from tests.orchestrator.conftest import params
from tests.orchestrator.helpers import new_service, small_dataset


def test_inline_submit_waits_for_a_step_another_caller_claimed(db_url: str) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    deferred = new_service(db_url, executor="deferred")
    assert deferred.decide(wf, accept=True).running_step == "allocate"
    now = datetime.now(timezone.utc)
    with svc.uow.begin() as repo:  # claimed by a live process (our parent), as another caller would
        repo.s.add(StepLease(workflow_id=wf, token="other", step="allocate", owner="other", host=socket.gethostname(),
                             pid=os.getppid(), process_start=process_start_of(os.getppid()), claimed_at=now,
                             heartbeat_at=now, expires_at=now + timedelta(minutes=5)))

    def the_other_caller_finishes() -> None:
        time.sleep(0.5)
        with svc.uow.begin() as repo:
            repo.release_lease(wf, "other")
        svc.steps.run(wf)

    other = threading.Thread(target=the_other_caller_finishes)
    other.start()
    InlineExecutor(svc.steps).submit(wf)
    after = svc.status(wf)
    other.join()
    assert after.running_step is None and after.state == State.IN_SEASON
    assert after.allocation
    deferred.close()
    svc.close()
