"""What a read says about a pending step: queued (nobody claimed it), running (a live claim) or stalled
(its lease ran out: the process running it stopped), judged by the database's clock."""

from __future__ import annotations

from datetime import timedelta

from tests.orchestrator.conftest import params
from tests.orchestrator.helpers import new_service, small_dataset


def _claim(svc, wf: str, *, expires_in_s: float) -> None:
    """A claim by a process on another host (only its expiry can tell whether it lives)."""
    with svc.uow.begin() as repo:
        now = repo.db_now()
        repo.put_lease(wf, replacing=None, token="t-other-host", step="allocate", owner="worker@elsewhere",
                       host="elsewhere", pid=4242, process_start="1", claimed_at=now, heartbeat_at=now,
                       expires_at=now + timedelta(seconds=expires_in_s))


def test_a_pending_step_reads_as_queued_running_or_stalled(db_url: str) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    done = svc.status(wf)
    assert done.running_step is None and done.step_claim is None
    deferred = new_service(db_url, executor="deferred")
    queued = deferred.decide(wf, accept=True)
    assert (queued.running_step, queued.step_claim, queued.running_since) == ("allocate", "queued", None)

    _claim(deferred, wf, expires_in_s=30)
    running = deferred.status(wf)
    assert running.step_claim == "running" and running.running_since is not None
    assert running.step_heartbeat_at is not None

    with deferred.uow.begin() as repo:
        lease = repo.lease(wf)
        lease.expires_at = repo.db_now() - timedelta(seconds=5)
    stalled = deferred.status(wf)
    assert stalled.step_claim == "stalled" and stalled.running_step == "allocate"
    assert stalled.model_dump(mode="json")["step_claim"] == "stalled"  # in the CLI's status JSON too
    deferred.close()
    svc.close()
