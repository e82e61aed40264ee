"""Concurrency, rejected uploads, replacements, retries, slow steps and resume after a crash."""

from __future__ import annotations

import threading
import time

import pytest

from core.domain.errors import IngestError
from core.orchestrator.steps.context import WorkflowContext
from core.orchestrator.errors import (
    ActionNotAllowed,
    AlreadyDecided,
    MissingStores,
    TransientStepError,
    WeekAlreadyStored,
)
from core.orchestrator.steps.states import State
from tests.orchestrator.conftest import SEASON_START, actuals_csv, base_daily, params
from tests.orchestrator.helpers import dump_tables, new_service, small_dataset


def season_in_progress(svc, **overrides):
    wf = svc.start_workflow(params(**overrides), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    return wf


def test_two_threads_deciding_at_once_exactly_one_applies(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    other = new_service(db_url)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(name, service, kw):
        barrier.wait()
        try:
            outcomes[name] = service.decide(wf, by=name, **kw).state
        except Exception as exc:  # anything but AlreadyDecided fails the assertions below
            outcomes[name] = exc

    t1 = threading.Thread(target=decide, args=("ann", svc, {"accept": True}))
    t2 = threading.Thread(target=decide, args=("bob", other, {"accept": False, "value": 1000, "reason": "less"}))
    t1.start(), t2.start()
    t1.join(), t2.join()
    winners = [n for n, o in outcomes.items() if o == State.IN_SEASON]
    losers = [o for o in outcomes.values() if isinstance(o, AlreadyDecided)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert f"already decided by {winners[0]}" in str(losers[0])
    [approval] = svc.approvals(wf)
    assert approval.decided_by == winners[0]
    assert [e.kind for e in svc.events(wf)].count("approval_decided") == 1
    doc = svc.status(wf)
    assert sum(a["season_total"] for a in doc.allocation) == doc.order["approved"] == int(approval.decided)


def test_expected_approval_id_guards_a_stale_page(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    approval_id = svc.status(wf).pending["approval_id"]
    svc.decide(wf, accept=True, by="ann", expected_approval_id=approval_id)
    with pytest.raises(AlreadyDecided, match="already decided by ann"):
        svc.decide(wf, accept=True, by="bob", expected_approval_id=approval_id)


@pytest.mark.parametrize(
    "make_file, error, match",
    [
        (lambda: actuals_csv(1, base_daily()).replace(b"S6", b"S9"), IngestError, "S9"),
        (lambda: b"date,store_id,quantity_sold\n2025-03-03,S1,-4\n", IngestError, "quantity"),
        (lambda: b"", IngestError, "the file is empty"),
        (lambda: actuals_csv(1, base_daily(), start=SEASON_START.replace(year=2024)), IngestError,
         "outside the season"),
        (lambda: actuals_csv(1, base_daily(), stores=["S1", "S2", "S3"]), MissingStores, "3 of 6 stores"),
    ],
)
def test_rejected_upload_changes_nothing(db_url, make_file, error, match):
    svc = new_service(db_url)
    wf = season_in_progress(svc)
    before = dump_tables(svc)
    with pytest.raises(error, match=match):
        svc.upload_actuals(wf, make_file(), "bad.csv")
    assert dump_tables(svc) == before


def test_week_already_stored_then_replace_keeps_old_version(db_url, tmp_path):
    svc = new_service(db_url)
    wf = season_in_progress(svc, markdown_week=None)
    svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    svc.upload_actuals(wf, actuals_csv(2, base_daily()), "w2.csv")
    before = dump_tables(svc)
    with pytest.raises(WeekAlreadyStored, match="week 1 .* is already stored") as err:
        svc.upload_actuals(wf, actuals_csv(1, base_daily(2.0)), "w1b.csv")
    assert err.value.week == 1
    assert dump_tables(svc) == before

    doc = svc.upload_actuals(wf, actuals_csv(1, base_daily(2.0)), "w1b.csv", replace=True)
    assert doc.weeks_done == 2 and doc.weeks[0]["actual"] == sum(base_daily(2.0).values()) * 7
    ups = [(u["week"], u["version"], u["status"], u["filename"]) for u in svc.uploads(wf)]
    assert ups == [(1, 1, "superseded", "w1.csv"), (1, 2, "active", "w1b.csv"), (2, 1, "active", "w2.csv")]

    # the replay equals a season where the corrected file came first
    ref_svc = new_service(f"sqlite:///{tmp_path / 'ref.db'}")
    ref = season_in_progress(ref_svc, markdown_week=None)
    ref_svc.upload_actuals(ref, actuals_csv(1, base_daily(2.0)), "w1b.csv")
    ref_doc = ref_svc.upload_actuals(ref, actuals_csv(2, base_daily()), "w2.csv")
    for key in ("weeks", "allocation", "replenishment", "dc_on_hand", "alerts", "store_weeks"):
        assert getattr(doc, key) == getattr(ref_doc, key), key
    assert [w["plan"] for w in doc.forecast["weekly"]] == [w["plan"] for w in ref_doc.forecast["weekly"]]


def test_missing_stores_counted_as_zero_when_confirmed(db_url):
    svc = new_service(db_url)
    wf = season_in_progress(svc)
    doc = svc.upload_actuals(wf, actuals_csv(1, 2, stores=["S1", "S2", "S3", "S4", "S5"]), "w1.csv",
                             confirm_missing_as_zero=True)
    assert doc.weeks[0]["actual"] == 5 * 2 * 7
    s6 = [s for s in doc.store_weeks if s["store_id"] == "S6"]
    assert [s.model_dump() for s in s6] == [{"week": 1, "store_id": "S6", "actual": 0, "plan": s6[0]["plan"]}]
    assert svc.uploads(wf)[0]["confirmed_missing"] is True


def test_transient_failures_are_retried_with_backoff(db_url):
    sleeps: list[float] = []
    failures = {"n": 2}

    def flaky(step, args):
        if step == "allocate" and failures["n"] > 0:
            failures["n"] -= 1
            raise TransientStepError("disk hiccup")

    svc = new_service(db_url, sleep=sleeps.append, fault_hook=flaky)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    doc = svc.decide(wf, accept=True)
    assert doc.state == State.IN_SEASON
    assert sleeps == [1.0, 2.0]
    retries = [e for e in svc.events(wf) if e.kind == "retry"]
    assert [e.data["attempt"] for e in retries] == [1, 2] and "disk hiccup" in retries[0].message


def test_persistent_transient_failure_needs_attention_then_retry(db_url):
    sleeps: list[float] = []
    broken = {"on": True}

    def hook(step, args):
        if step == "week" and broken["on"]:
            raise TimeoutError("engine timed out")

    svc = new_service(db_url, sleep=sleeps.append, fault_hook=hook)
    wf = season_in_progress(svc)
    doc = svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    assert sleeps == [1.0, 2.0, 4.0]
    assert doc.state == State.NEEDS_ATTENTION
    assert doc.last_error == "week: TimeoutError: engine timed out"
    assert doc.phases[3].status == "failed"
    with pytest.raises(ActionNotAllowed, match="retry it first"):
        svc.upload_actuals(wf, actuals_csv(2, base_daily()), "w2.csv")
    # the upload itself was kept: the retry processes it without a new file
    broken["on"] = False
    doc = svc.retry(wf)
    assert doc.state == State.IN_SEASON and doc.weeks_done == 1 and doc.last_error is None
    kinds = [e.kind for e in svc.events(wf)]
    assert kinds.count("error") == 1 and "retry" in kinds
    with pytest.raises(ActionNotAllowed, match="nothing to retry"):
        svc.retry(wf)


def test_non_transient_error_is_not_retried(db_url):
    sleeps: list[float] = []

    def hook(step, args):
        if step == "forecast":
            raise ValueError("bad series")

    svc = new_service(db_url, sleep=sleeps.append, fault_hook=hook)
    doc = svc.start_workflow(params(), dataset_id=small_dataset(svc))
    assert sleeps == [] and doc.state == State.NEEDS_ATTENTION
    assert doc.phases[1].status == "failed" and "bad series" in doc.last_error


def test_slow_step_writes_a_warning_event(db_url):
    def slow(step, args):
        if step == "forecast":
            time.sleep(0.6)

    svc = new_service(db_url, step_warning_s=0.1, fault_hook=slow)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    warnings = [e for e in svc.events(wf) if e.kind == "warning" and e.data.get("slow")]
    assert len(warnings) == 1 and "running for more than 0.1 s" in warnings[0].message


def _rewind_to_a_claimed_week_1(svc, wf: str, *, pid: int, process_start: str) -> None:
    """Back to the moment after week 1's upload was stored and its step claimed, as if the claiming
    process had been killed: the pending step and a lease naming (pid, process_start)."""
    import socket
    from datetime import timedelta

    from sqlalchemy import delete, update

    from core.db.models import PlanRevision, StepLease, Workflow
    from core.orchestrator.steps.context import SeasonState, StepMarker

    with svc.uow.begin() as repo:
        wf_row = repo.workflow(wf)
        ctx = WorkflowContext.model_validate(wf_row.context)
        before = [p for p in repo.plan_revisions(wf) if p.kind == "season_state" and p.after_week == 0][-1]
        ctx.season = SeasonState.model_validate(before.data)
        ctx.step = StepMarker(name="week", args={"from_week": 1, "replay": False}, started_at=ctx.started_at)
        repo.s.execute(update(Workflow).where(Workflow.id == wf).values(context=ctx.dump(), state="in_season"))
        repo.s.execute(delete(PlanRevision).where(PlanRevision.workflow_id == wf, PlanRevision.after_week == 1))
        now = ctx.started_at
        repo.s.add(StepLease(workflow_id=wf, token="dead-claim", step="week", owner="killed", host=socket.gethostname(),
                             pid=pid, process_start=process_start, claimed_at=now, heartbeat_at=now,
                             expires_at=now + timedelta(days=3650)))


@pytest.mark.parametrize("who", ["pid gone", "pid reused"])
def test_abandoned_step_is_resumed_by_the_sweep_not_by_a_read(db_url, who):
    """A claim whose process is gone - or whose PID now belongs to another process (the start time
    differs) - is dead although its lease has not expired: the sweep runs the step again."""
    import os

    from core.orchestrator.engine.leases import process_start_of

    svc = new_service(db_url)
    wf = season_in_progress(svc)
    svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    expected = svc.status(wf)
    if who == "pid gone":
        _rewind_to_a_claimed_week_1(svc, wf, pid=2**22 + 12345, process_start="1")
    else:  # a live process (our parent) whose start time is not the one the claim recorded
        parent = os.getppid()
        real = process_start_of(parent)
        assert real is not None
        _rewind_to_a_claimed_week_1(svc, wf, pid=parent, process_start=str(int(real) + 1))
    # A read never resumes: the step stays pending and nothing is written, however often one looks.
    before = (svc.status(wf).version, len(svc.events(wf)))
    assert svc.status(wf).running_step == "week"
    assert (svc.status(wf).version, len(svc.events(wf))) == before
    assert svc.resume_all() == [wf]  # the engine's sweep (a worker, the dashboard, the next command)
    doc = svc.status(wf)
    assert doc.running_step is None and doc.weeks_done == 1
    assert doc.weeks == expected.weeks and doc.allocation == expected.allocation
    resumed = [e for e in svc.events(wf) if e.kind == "resumed"]
    assert len(resumed) == 1
    assert ("now belongs to another process" if who == "pid reused" else "stopped") in resumed[0].message


def test_a_live_claim_is_not_taken_over(db_url):
    """A claim held by a live process (this one's parent, with its real start time) stands: the step
    is not run twice, and actions wait for it."""
    import os

    from core.domain.errors import ActionNotAllowed
    from core.orchestrator.engine.leases import process_start_of

    svc = new_service(db_url)
    wf = season_in_progress(svc)
    svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    _rewind_to_a_claimed_week_1(svc, wf, pid=os.getppid(), process_start=process_start_of(os.getppid()))
    doc = svc.status(wf)
    assert doc.running_step == "week" and doc.weeks_done == 0
    with pytest.raises(ActionNotAllowed, match="running right now"):
        svc.close_season(wf)
