"""A week-2 shortfall alert clears once a later week is back near plan (walk-through: it never cleared)."""

from __future__ import annotations

from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def test_a_shortfall_alert_clears_when_a_later_week_is_no_longer_short(db_url: str) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    doc = svc.upload_actuals(wf, actuals_csv(2, base_daily(0.3)), "w2.csv")
    assert [a.kind for a in doc.alerts] == ["shortfall"] and doc.alerts[0].week == 2
    doc = svc.upload_actuals(wf, actuals_csv(3, base_daily()), "w3.csv")
    assert not doc.weeks[2]["shortfall"]
    assert doc.alerts == []
    [cleared] = [e for e in svc.events(wf) if e.kind == "shortfall" and (e.data or {}).get("cleared")]
    assert cleared.message.startswith("Shortfall alert of week 2 cleared: week 3 is")


def test_a_re_forecast_that_changes_nothing_says_so() -> None:
    from core.orchestrator.steps.week import reforecast_message

    assert "unchanged: updated with the actuals of weeks 1..3" in reforecast_message(3, 10_000.0, 10_020.0)
    assert "unchanged" not in reforecast_message(3, 10_000.0, 11_000.0)
