"""A closed demo season's tuning advice: a search over changes replayed on its own demand."""

from __future__ import annotations

from core.demo import SEASON_START, demo_actuals_bytes
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
    # the demand-based replenishment sends a store its plan share plus safety stock, and the
    # replay censors sales by stock (0.2% of the units in this season).
    actual = sum(w["actual"] for w in status["weeks"])
    assert actual * 0.995 <= used["sold"] <= actual
    # Tuning advice is a replay search: every change it advises raised the replayed profit, changes come
    # first with the largest gain first, and a rule's change that raised nothing is kept.
    changes = [a for a in checked.tuning if a.recommended != a.current and a.parameter != "emergency_threshold"]
    gains = []
    for a in changes:
        assert a.reason.startswith(f"replay of this season with {a.parameter} = ")
        gains.append(replay({a.parameter: a.recommended})["profit"] - used["profit"])
        assert gains[-1] > 0
    assert gains == sorted(gains, reverse=True)
    assert [a.parameter for a in checked.tuning[:len(changes)]] == [a.parameter for a in changes]
    searched = {a.parameter for a in changes}
    for before in plain.tuning:
        if before.recommended != before.current and before.parameter not in searched | {"emergency_threshold"}:
            after = next(a for a in checked.tuning if a.parameter == before.parameter)
            assert after.recommended == after.current and after.reason.startswith("keep: replaying this season")
    for a in checked.tuning:
        if a.parameter in checked.next_parameters and a.parameter != "emergency_threshold":
            assert checked.next_parameters[a.parameter] == a.recommended
