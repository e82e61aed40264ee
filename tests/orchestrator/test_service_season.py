"""Whole seasons through PlannerService on a real SQLite file (small hand-made data)."""

from __future__ import annotations

import pytest

from core.domain.params import ParameterError
from core.orchestrator.errors import ActionNotAllowed, AlreadyDecided, NotFound
from core.orchestrator.steps.states import State
from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def kinds(svc, wf):
    return [e.kind for e in svc.events(wf)]


def test_full_season_with_markdown_reaches_report(db_url):
    svc = new_service(db_url)
    ds = small_dataset(svc)
    doc = svc.start_workflow(params(), dataset_id=ds, by="ann")
    wf = doc.workflow_id
    assert wf.startswith("wf-") and len(wf) == 9
    assert doc.state == State.AWAITING_ORDER_APPROVAL
    assert doc.pending["kind"] == "order" and doc.pending["proposal"] == doc.order["proposed"]
    # No unit cost: the profit policy orders the quantity with the lowest expected lost sales + leftover
    # (the season total's median), and shows the safety-stock rule's ceil(forecast total x 1.2) beside it.
    import math
    details = doc.pending["details"]
    assert details["policy"] == "profit" and details["ranked_by"] == "lost sales + leftover"
    assert details["rule_quantity"] == math.ceil(round(doc.forecast["total"] * 1.2, 6))
    options = doc.pending["options"]
    assert {o["quantity"] for o in options} >= {doc.order["proposed"], details["rule_quantity"]}
    best = min(options, key=lambda o: (o["lost_sales"] + o["leftover"], o["quantity"]))
    assert doc.order["proposed"] == best["quantity"] and best["label"] == "proposal"
    versions = [doc.version]

    doc = svc.decide(wf, accept=True, by="ann")
    versions.append(doc.version)
    assert doc.state == State.IN_SEASON
    assert doc.order["approved"] == doc.order["proposed"]
    assert sum(a["season_total"] for a in doc.allocation) == doc.order["approved"]
    assert sum(c["units"] for c in doc.clusters) == doc.order["approved"]
    assert doc.dc_on_hand == sum(a["season_total"] - a["initial"] for a in doc.allocation)
    # holdback 10% (the default): the DC keeps 10% of the order, to the unit (largest remainder); the
    # initial 90% is rounded half up (core/domain/allocation.py), not half to even as round() would
    assert doc.dc_on_hand == doc.order["approved"] - math.floor(doc.order["approved"] * 0.90 + 0.5)

    for week in (1, 2, 3):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily()), f"week_{week:02d}.csv")
        versions.append(doc.version)
    assert doc.state == State.AWAITING_MARKDOWN_APPROVAL
    sold = sum(sum(base_daily().values()) * 7 for _ in range(3))
    assert doc.markdown["sell_through"] == pytest.approx(sold / doc.order["approved"])
    # the checkpoint rule finds a gap, so the gate opens; what it proposes follows the projection
    assert doc.pending["kind"] == "markdown" and doc.pending["proposal"] == doc.markdown["proposed"]
    assert doc.markdown["rule_depth"] > 0
    assert [o["depth"] for o in doc.pending["options"]] == [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
    assert {"depth", "sell_through", "leftover", "revenue", "margin", "profit", "value"} == set(
        doc.pending["options"][0].model_dump())
    # a week sent while the markdown waits is queued, and applied right after the decision
    doc = svc.upload_actuals(wf, actuals_csv(4, base_daily()), "week_04.csv")
    versions.append(doc.version)
    assert doc.state == State.AWAITING_MARKDOWN_APPROVAL and [q.week for q in doc.queued_weeks] == [4]

    doc = svc.decide(wf, accept=False, value=0.1, reason="keep margin", by="bob")
    versions.append(doc.version)
    assert doc.state == State.IN_SEASON and doc.markdown["approved"] == 0.1 and doc.markdown["decision"] == "modified"
    assert doc.weeks_done == 4 and doc.queued_weeks == []
    # demand of weeks 4..6 lifted by (1 - 0.1)^-1
    w4 = doc.forecast["weekly"][3]
    assert w4["plan"] > w4["original"]

    for week in (5, 6):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily()), f"week_{week:02d}.csv")
        versions.append(doc.version)
    assert doc.state == State.CLOSED
    assert all(b > a for a, b in zip(versions, versions[1:])), versions
    # units are conserved: DC + shipped == approved
    assert doc.dc_on_hand + sum(a["shipped"] for a in doc.allocation) == doc.order["approved"]
    assert sum(a["sold"] for a in doc.allocation) == sum(sum(base_daily().values()) * 7 for _ in range(6))
    assert [p.status for p in doc.phases] == ["done"] * 6

    report = svc.report(wf)
    assert report.weeks_observed == 6 and not report.closed_early
    assert report.approvals == {"accepted": 1, "modified": 1}
    assert report.sell_through == pytest.approx(
        sum(a["sold"] for a in doc.allocation) / doc.order["approved"], abs=1e-6
    )

    ks = kinds(svc, wf)
    for k in ("started", "completed", "approval_requested", "approval_decided", "variance", "markdown", "closed"):
        assert k in ks, k
    approvals = svc.approvals(wf)
    assert [(a.kind, a.status, a.decided_by) for a in approvals] == [("order", "accepted", "ann"),
                                                                     ("markdown", "modified", "bob")]
    assert approvals[1].reason == "keep margin" and approvals[1].decided == 0.1


def test_pending_approval_survives_a_new_service(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    svc.close()
    again = new_service(db_url)
    doc = again.status(wf)
    assert doc.state == State.AWAITING_ORDER_APPROVAL and doc.pending["kind"] == "order"
    assert again.decide(wf, accept=True).state == State.IN_SEASON


@pytest.mark.parametrize(
    "overrides, expect_skips",
    [
        ({"replenishment": "none"}, ["Replenishment skipped: strategy is none"]),
        ({"markdown_week": None}, ["Markdown skipped: no markdown week is set"]),
        ({"replenishment": "none", "dc_holdback": 0.0, "markdown_week": None},
         ["Replenishment skipped: strategy is none", "Markdown skipped: no markdown week is set"]),
        ({"dc_holdback": 0.0}, []),
    ],
)
def test_parameter_combinations(db_url, overrides, expect_skips):
    svc = new_service(db_url)
    doc = svc.start_workflow(params(**overrides), dataset_id=small_dataset(svc))
    wf = doc.workflow_id
    doc = svc.decide(wf, accept=True)
    reasons = [s["reason"] for s in doc.skipped]
    for r in expect_skips:
        assert r in reasons
    if doc.parameters["dc_holdback"] == 0.0:
        assert doc.dc_on_hand == 0
        assert all(a["initial"] == a["season_total"] for a in doc.allocation)
    for week in range(1, 7):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily(0.6)), f"w{week}.csv")
        if doc.state == State.AWAITING_MARKDOWN_APPROVAL:
            doc = svc.decide(wf, accept=True)
    assert doc.state == State.CLOSED
    if doc.parameters["replenishment"] == "none":
        assert doc.replenishment == []
        assert doc.phases[3].reason.endswith("replenishment skipped: strategy is none")
    if doc.parameters["markdown_week"] is None:
        assert doc.markdown is None and doc.phases[4].status == "skipped"
        assert not any(a.kind == "markdown" for a in svc.approvals(wf))
    assert svc.report(wf).weeks_observed == 6


def test_no_markdown_needed_is_recorded(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(markdown_target=0.05), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    for week in (1, 2, 3):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily()), f"w{week}.csv")
    assert doc.state == State.IN_SEASON and doc.pending is None
    assert doc.markdown["decision"] == "not_needed" and doc.markdown["proposed"] == 0.0
    assert any(s["phase"] == "markdown" and "No markdown" in s["reason"] for s in doc.skipped)
    assert doc.phases[4].status == "skipped"


def test_large_variance_reforecasts_and_reallocates(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    doc = svc.upload_actuals(wf, actuals_csv(1, base_daily(2.0)), "w1.csv")
    w1 = doc.weeks[0]
    assert w1["variance"] > 0.2 and w1["reforecast"]
    assert doc.forecast["revision"] == 1
    # remaining weeks move up after a +100% week
    assert doc.forecast["weekly"][1]["plan"] > doc.forecast["weekly"][1]["original"]
    ks = kinds(svc, wf)
    assert "reforecast" in ks and "reallocated" in ks
    revs = svc.forecast_revisions(wf)
    assert [r["revision"] for r in revs] == [0, 1] and revs[1]["after_week"] == 1
    assert "variance" in doc.explanations and doc.explanations["variance"]["text"]
    # within the threshold: no re-forecast
    doc = svc.upload_actuals(wf, actuals_csv(2, base_daily(1.0)), "w2.csv")
    plan2 = doc.weeks[1]["plan"]
    actual2 = doc.weeks[1]["actual"]
    if abs(actual2 - plan2) / plan2 <= 0.2:
        assert doc.forecast["revision"] == 1


def test_emergency_alert_when_demand_outruns_stock(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    doc = svc.upload_actuals(wf, actuals_csv(1, base_daily(3.0)), "w1.csv")
    assert doc.weeks[0]["emergency"] is True
    assert doc.alerts and doc.alerts[0]["quantity"] == doc.weeks[0]["emergency_qty"] > 0
    assert "emergency" in kinds(svc, wf)


def test_close_early_writes_report(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    with pytest.raises(ActionNotAllowed, match="has not started"):
        svc.close_season(wf)
    svc.decide(wf, accept=True)
    svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    with pytest.raises(ActionNotAllowed, match="closed"):
        svc.report(wf)
    doc = svc.close_season(wf, by="cat")
    assert doc.state == State.CLOSED and doc.phases[5].reason == "closed early"
    report = svc.report(wf)
    assert report.closed_early and report.weeks_observed == 1
    with pytest.raises(ActionNotAllowed, match="season is closed"):
        svc.upload_actuals(wf, actuals_csv(2, base_daily()), "w2.csv")
    with pytest.raises(ActionNotAllowed, match="season is closed"):
        svc.close_season(wf)


def test_decision_validation(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    with pytest.raises(ParameterError) as err:
        svc.decide(wf, accept=False, value=-5)
    text = " ".join(err.value.messages)
    assert "whole number of units in 1..1,000,000,000" in text and "needs a reason" in text
    with pytest.raises(ParameterError, match="whole number"):
        svc.decide(wf, accept=False, value=10.5, reason="x")
    assert svc.status(wf).state == State.AWAITING_ORDER_APPROVAL
    doc = svc.decide(wf, accept=False, value=1500, reason="budget")
    assert doc.order["approved"] == 1500 and sum(a["season_total"] for a in doc.allocation) == 1500
    with pytest.raises(AlreadyDecided, match="already decided by planner"):
        svc.decide(wf, accept=True)


def test_markdown_depth_outside_cap_is_rejected(db_url):
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    for week in (1, 2, 3):
        svc.upload_actuals(wf, actuals_csv(week, base_daily(0.5)), f"w{week}.csv")
    with pytest.raises(ParameterError, match=r"markdown depth = 0.5 is out of range: allowed \[0, 0.4\]"):
        svc.decide(wf, accept=False, value=0.5, reason="deep")
    doc = svc.decide(wf, accept=False, value=0.0, reason="no discount this year")
    assert doc.markdown["approved"] == 0.0 and doc.state == State.IN_SEASON
    # depth 0: no markdown re-forecast revision was made
    assert not any("markdown" in r["reason"] for r in svc.forecast_revisions(wf))


def test_unknown_workflow_and_category(db_url):
    svc = new_service(db_url)
    ds = small_dataset(svc)
    with pytest.raises(NotFound):
        svc.status("wf-000000")
    with pytest.raises(ParameterError,
                       match="category = 'Hats' is not in the dataset's history: allowed 'Dresses', 'Shirts'"):
        svc.start_workflow(params(category="Hats"), dataset_id=ds)
    with pytest.raises(ParameterError, match="dc_holdback = 0.3 is not allowed with replenishment 'none'"):
        svc.start_workflow(params(replenishment="none", dc_holdback=0.3), dataset_id=ds)
    assert svc.list_workflows() == []


def test_non_monday_start_is_moved_and_noted(db_url):
    svc = new_service(db_url)
    doc = svc.start_workflow(params(season_start="2025-03-05"), dataset_id=small_dataset(svc))
    assert doc.parameters["season_start"] == "2025-03-03"
    assert any("starts on Monday 2025-03-03" in n for n in doc.notes)


def test_list_and_events_after_id(db_url):
    svc = new_service(db_url)
    ds = small_dataset(svc)
    a = svc.start_workflow(params(), dataset_id=ds).workflow_id
    b = svc.start_workflow(params(category="Shirts"), dataset_id=ds).workflow_id
    rows = {r.workflow_id: r for r in svc.list_workflows()}
    assert set(rows) == {a, b} and rows[b].category == "Shirts"
    assert rows[a].state == "awaiting_order_approval"
    evs = svc.events(a)
    later = svc.events(a, after_id=evs[2].id)
    assert [e.id for e in later] == [e.id for e in evs[3:]]
    assert svc.status(a).events == len(evs)
