"""A closed demo season's tuning advice, checked by replaying its own demand."""

from __future__ import annotations

from core.demo import SEASON_START, demo_actuals_bytes
from core.domain.simulation.advice import worse
from core.lab.advice import checked_report, replay_function
from tests.orchestrator.helpers import new_service


def test_checked_advice_never_does_worse_on_the_season_it_came_from(db_url: str) -> None:
    svc = new_service(db_url)
    try:
        ds = svc.ensure_demo_dataset()
        doc = svc.start_workflow({"category": "Women's Dresses", "season_start": SEASON_START.isoformat(),
                                  "unit_cost": 25.0}, dataset_id=ds.id)
        wf = doc.workflow_id
        assert svc.decide(wf, accept=True).state == "in_season"
        for week in range(1, 13):
            doc = svc.upload_actuals(wf, demo_actuals_bytes("low", week), f"week_{week:02d}.csv")
            if doc.state == "awaiting_markdown_approval":
                doc = svc.decide(wf, accept=True)
        assert doc.state == "closed"
        plain = svc.report(wf)
        checked = checked_report(svc, wf)
        status = svc.status(wf).model_dump(mode="json")
        replay = replay_function(status, svc.dataset_frames(ds.id))
    finally:
        svc.close()
    assert replay is not None
    used = replay({})
    # The replay sells what the season sold, except where a store reported more sales than the stock it had:
    # the demand-based replenishment (issue 16) sends a store its plan share plus safety stock, and the
    # replay censors sales by stock (0.2% of the units in this season).
    actual = sum(w["actual"] for w in status["weeks"])
    assert actual * 0.995 <= used["sold"] <= actual
    assert [a.parameter for a in checked.tuning] == [a.parameter for a in plain.tuning]
    changed = [a for a in plain.tuning if a.recommended != a.current]
    assert changed, "the low scenario should give some advice"
    for before, after in zip(plain.tuning, checked.tuning):
        if before.recommended == before.current:
            assert after == before
        elif after.recommended == after.current:
            assert "would have done worse" in after.reason
        else:
            assert "(replay of this season: " in after.reason
            overrides = {after.parameter: after.recommended}
            assert not worse(replay(overrides), used)
    for a in checked.tuning:
        if a.parameter in checked.next_parameters and a.parameter != "emergency_threshold":
            assert checked.next_parameters[a.parameter] == a.recommended


