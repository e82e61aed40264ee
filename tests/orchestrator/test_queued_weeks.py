"""Week files out of order: stored as queued uploads (in the database, not the browser) and applied by
the engine in week order once the gap is filled (docs/planning-rules.md §3), with the figures of an
in-order season; a markdown gate holds the queue until it is decided."""

from __future__ import annotations

import pytest

from core.domain.errors import WeekAlreadyStored
from core.orchestrator.steps.states import State
from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset

SCALES = {1: 1.0, 2: 1.1, 3: 0.9, 4: 1.0, 5: 1.05, 6: 0.95}


def started(svc) -> str:
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    return wf


def upload(svc, wf: str, week: int, **kw):
    return svc.upload_actuals(wf, actuals_csv(week, base_daily(SCALES[week])), f"week_{week}.csv", **kw)


@pytest.fixture
def in_order(tmp_path_factory):
    """The same weeks uploaded in order, on a database of their own."""
    svc = new_service(f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.db'}")
    wf = started(svc)
    for week in (1, 2, 3, 4):
        doc = upload(svc, wf, week)
    svc.close()
    return doc


def test_a_week_ahead_of_a_missing_one_is_queued_then_applied_in_order(db_url, in_order) -> None:
    svc = new_service(db_url)
    wf = started(svc)
    upload(svc, wf, 1)
    doc = upload(svc, wf, 4)
    assert [(q.week, q.filename, q.waits_for) for q in doc.queued_weeks] == [(4, "week_4.csv", 2)]
    assert doc.weeks_done == 1 and doc.running_step is None and doc.state == State.IN_SEASON
    doc = upload(svc, wf, 3)
    assert [(q.week, q.waits_for) for q in doc.queued_weeks] == [(3, 2), (4, 2)]
    assert [(u["week"], u["status"]) for u in svc.uploads(wf)] == [(1, "active"), (3, "queued"), (4, "queued")]
    assert doc.weeks_done == 1
    doc = upload(svc, wf, 2)  # the gap is filled: weeks 2, 3 and 4 are applied, in that order
    assert doc.queued_weeks == [] and doc.weeks_done == 4 and doc.running_step is None
    assert [(u["week"], u["status"]) for u in svc.uploads(wf)] == [(1, "active"), (2, "active"), (3, "active"),
                                                                   (4, "active")]
    assert doc.weeks == in_order.weeks and doc.allocation == in_order.allocation
    assert doc.replenishment == in_order.replenishment
    taken = [e.message for e in svc.events(wf) if e.data.get("from_queue")]
    assert taken == ["Week 3 from week_3.csv taken from the queue: week 2 is in, so it is applied now",
                     "Week 4 from week_4.csv taken from the queue: week 3 is in, so it is applied now"]
    svc.close()


def test_a_queued_week_is_replaced_only_when_asked(db_url) -> None:
    svc = new_service(db_url)
    wf = started(svc)
    upload(svc, wf, 1)
    upload(svc, wf, 3)
    with pytest.raises(WeekAlreadyStored, match="week 3 .* is already queued"):
        upload(svc, wf, 3)
    doc = svc.upload_actuals(wf, actuals_csv(3, base_daily(2.0)), "week_3_fixed.csv", replace=True)
    assert [(q.week, q.filename) for q in doc.queued_weeks] == [(3, "week_3_fixed.csv")]
    doc = upload(svc, wf, 2)
    assert doc.weeks_done == 3 and doc.queued_weeks == []
    assert doc.weeks[2]["actual"] == sum(base_daily(2.0).values()) * 7
    svc.close()


def test_a_markdown_gate_holds_the_queue_until_it_is_decided(db_url) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id  # checkpoint at week 3
    svc.decide(wf, accept=True)
    upload(svc, wf, 1)
    upload(svc, wf, 3)
    upload(svc, wf, 4)
    doc = upload(svc, wf, 2)
    assert doc.state == State.AWAITING_MARKDOWN_APPROVAL and doc.weeks_done == 3
    assert [q.week for q in doc.queued_weeks] == [4]
    doc = svc.decide(wf, accept=True)
    assert doc.state == State.IN_SEASON and doc.weeks_done == 4 and doc.queued_weeks == []
    svc.close()


@pytest.mark.parametrize("executor", ["thread"])
def test_the_queue_is_applied_by_a_background_executor_too(db_url, executor) -> None:
    svc = new_service(db_url, executor=executor)
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.wait(wf, timeout_s=120)
    svc.decide(wf, accept=True)
    svc.wait(wf, timeout_s=120)
    for week in (1, 3, 2):
        svc.wait(wf, timeout_s=120)
        upload(svc, wf, week)
    doc = svc.wait(wf, timeout_s=120)
    assert doc.weeks_done == 3 and doc.queued_weeks == []
    svc.close()


def test_a_week_sent_while_the_markdown_waits_is_queued_and_applied_after_the_decision(db_url) -> None:
    from core.domain.errors import ActionNotAllowed

    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id  # checkpoint at week 3
    svc.decide(wf, accept=True)
    for week in (1, 2, 3):
        doc = upload(svc, wf, week)
    assert doc.state == State.AWAITING_MARKDOWN_APPROVAL
    doc = upload(svc, wf, 4)
    assert doc.state == State.AWAITING_MARKDOWN_APPROVAL and doc.weeks_done == 3
    assert [(q.week, q.waiting_for) for q in doc.queued_weeks] == [(4, "the markdown decision")]
    with pytest.raises(ActionNotAllowed, match="decide it first"):  # a processed week waits for the decision
        svc.upload_actuals(wf, actuals_csv(2, base_daily(2.0)), "week_2b.csv", replace=True)
    doc = svc.decide(wf, accept=True)
    assert doc.state == State.IN_SEASON and doc.weeks_done == 4 and doc.queued_weeks == []
    svc.close()
