"""A decided markdown stands when an earlier week is replaced and the weeks are replayed, even if
the corrected sales would no longer call for one: the price cut is already in the shops."""

from __future__ import annotations

from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def test_replay_keeps_an_accepted_markdown_when_the_new_proposal_is_none(db_url) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id  # markdown at week 3 of 6
    svc.decide(wf, accept=True)
    for week in (1, 2, 3):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily(0.7)), f"w{week}.csv")
    # The rule says 40%; the proposal is the depth of highest expected profit.
    assert doc.state == "awaiting_markdown_approval" and doc.markdown["rule_depth"] == 0.4
    depth = doc.pending["proposal"]
    assert 0 < depth <= 0.4
    doc = svc.decide(wf, accept=True)
    assert doc.markdown["approved"] == depth and doc.markdown["decision"] == "accepted"
    seen = dict(doc.markdown)

    # Week 2 corrected with far higher sales: sell-through at week 3 is now above the 60% target.
    doc = svc.upload_actuals(wf, actuals_csv(2, base_daily(6.0)), "w2_fix.csv", replace=True)
    assert doc.state == "in_season" and doc.weeks_done == 3 and doc.pending is None
    sold = sum(w["actual"] for w in doc.weeks)
    # The decision keeps what the planner saw (walk-through: 30.6% / rule 30% became 32.6% / rule 25%);
    # the reading with the replaced week is told in an event.
    for field in ("sell_through", "proposed", "rule_depth", "sold_to_date", "gap", "reason"):
        assert doc.markdown[field] == seen[field], field
    assert doc.markdown["sold_to_date"] < sold
    assert doc.markdown["approved"] == depth and doc.markdown["decision"] == "accepted"  # the decision stands
    [told] = [e for e in svc.events(wf) if e.kind == "markdown" and (e.data or {}).get("replayed")]
    assert told.data["sell_through_now"] > 0.6 and told.data["rule_depth_now"] == 0.0
    assert f"keeps what was seen then (sell-through {seen['sell_through']:.1%}" in told.message
    assert not [s for s in doc.skipped if s["phase"] == "markdown"]

    # The replay re-applied the demand response: weeks 4-6 = the plan before it x (1 - depth)^-elasticity.
    revisions = svc.forecast_revisions(wf)
    last, before = revisions[-1], revisions[-2]
    assert last["reason"] == f"markdown {depth:.0%} from week 4" and last["after_week"] == 3
    lift = (1 - depth) ** -doc.parameters["price_elasticity"]
    for new, old in zip(last["forecast"]["weeks"][3:], before["forecast"]["weeks"][3:]):
        assert abs(new["plan"] - old["plan"] * lift) < 1e-6
    assert [round(w["plan"], 3) for w in doc.forecast["weekly"][3:]] == \
        [round(w["plan"], 3) for w in last["forecast"]["weeks"][3:]]
    assert [(a.kind, a.status, a.decided) for a in svc.approvals(wf)] == [
        ("order", "accepted", float(doc.order["approved"])), ("markdown", "accepted", depth)]
    svc.close()
