"""The final week's variance can trip the threshold, but nothing is left to re-forecast: the status
must say so truthfully (no `reforecast` claim), keep the trigger visible, and agree with the report."""

from __future__ import annotations

from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def test_final_week_above_threshold_is_a_trigger_without_a_reforecast(db_url) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    for week in range(1, 6):
        svc.upload_actuals(wf, actuals_csv(week, base_daily()), f"w{week}.csv")
    before = svc.status(wf)
    plan6 = before.forecast["weekly"][5]["plan"]
    revisions_before = len(svc.forecast_revisions(wf))
    doc = svc.upload_actuals(wf, actuals_csv(6, base_daily(2.0)), "w6.csv")

    assert doc.state == "closed" and doc.weeks_done == 6
    last = doc.weeks[5]
    actual6 = sum(base_daily(2.0).values()) * 7
    assert last["actual"] == actual6
    assert abs(last["variance"] - (actual6 - plan6) / plan6) < 1e-4 and last["variance"] > 0.2
    assert last["reforecast"] is False
    assert last["above_threshold"] is True
    assert last["trigger"] == "above threshold; no weeks left to re-forecast"
    # earlier weeks: the trigger text follows the flag
    for row in doc.weeks[:5]:
        assert row["above_threshold"] == (abs(row["variance"]) > 0.2)
        assert row["trigger"] == ("above threshold; remaining weeks re-forecast" if row["reforecast"] else None)
    # no forecast revision was made for week 6, and the report lists exactly the flagged weeks
    assert len(svc.forecast_revisions(wf)) == revisions_before
    report = svc.report(wf)
    assert 6 not in report.reforecast_weeks
    assert report.reforecast_weeks == [r["week"] for r in doc.weeks if r["reforecast"]]
    skipped = [e for e in svc.events(wf) if e.kind == "skipped" and e.data.get("trigger") == "variance"]
    assert len(skipped) == 1 and skipped[0].data["week"] == 6
    assert "no weeks are left to re-forecast" in skipped[0].message and "above the ±20% threshold" in skipped[0].message
    svc.close()
