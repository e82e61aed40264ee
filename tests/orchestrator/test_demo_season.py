"""The built-in demo data through the service: the high-demand scenario triggers the in-season machinery."""

from __future__ import annotations

from pathlib import Path

from core.orchestrator.steps.states import State
from tests.orchestrator.helpers import new_service


def test_demo_dataset_is_imported_once(db_url):
    svc = new_service(db_url)
    first = svc.ensure_demo_dataset()
    again = svc.ensure_demo_dataset()
    assert first.id == again.id and first.source == "demo"
    assert [d.id for d in svc.list_datasets()] == [first.id]
    assert "Women's Dresses" in first.categories and first.stores == 50


def test_high_demand_demo_season(db_url, tmp_path: Path):
    from core.demo import write_demo_data

    write_demo_data(tmp_path)
    svc = new_service(db_url)
    ds = svc.ensure_demo_dataset()
    doc = svc.start_workflow({"category": "Women's Dresses", "season_start": "2026-02-23", "horizon_weeks": 12,
                              "markdown_week": 8}, dataset_id=ds.id)
    wf = doc.workflow_id
    doc = svc.decide(wf, accept=True)
    for week in range(1, 13):
        data = (tmp_path / "actuals" / "high" / f"week_{week:02d}.csv").read_bytes()
        doc = svc.upload_actuals(wf, data, f"week_{week:02d}.csv")
        if doc.state == State.AWAITING_MARKDOWN_APPROVAL:
            doc = svc.decide(wf, accept=True)
    assert doc.state == State.CLOSED
    assert any(w["reforecast"] for w in doc.weeks)
    assert doc.replenishment  # weekly replenishment ran from the DC
    assert doc.dc_on_hand + sum(a["shipped"] for a in doc.allocation) == doc.order["approved"]
    report = svc.report(wf)
    assert report.weeks_observed == 12 and report.reforecast_weeks
