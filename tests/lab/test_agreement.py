"""The simulator agrees with the real workflow: a demo season run through PlannerService, then the
same season replayed in the simulator with the workflow's actual sales as demand (weeks after the
markdown at full price, i.e. divided by the markdown's lift), gives the same order, allocation,
shipments, markdown and report figures - exactly while no store has sold more than it held. The
workflow takes reported sales as they come, the simulator censors them by stock, so from the first
week in which a store oversold, the two seasons part (checked up to that week only).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from core.demo import SEASON_START, demo_actuals_bytes
from core.domain.forecast import markdown_multiplier
from core.domain.report import season_report
from core.domain.simulation import parameter_set, prepare_season, report_inputs, simulate
from core.lab.runner import _season
from core.lab.work import clusters_for
from tests.orchestrator.helpers import new_service

pytestmark = pytest.mark.slow  # the fast tier (scripts/test.sh --fast) leaves it out

CATEGORY = "Women's Dresses"
CASES = [
    ("normal", {}),
    ("high", {"replenishment": "bi-weekly", "dc_holdback": 0.3}),
    ("low", {"safety_stock": 0.1, "markdown_week": 5}),
]


def _week_by_store(scenario: str, week: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(demo_actuals_bytes(scenario, week).decode())):
        if row["category"] == CATEGORY:
            out[row["store_id"]] = out.get(row["store_id"], 0) + int(row["quantity_sold"])
    return out


def _run_workflow(svc, params: dict, scenario: str):
    ds = svc.ensure_demo_dataset()
    doc = svc.start_workflow(params, dataset_id=ds.id)
    doc = svc.decide(doc.workflow_id, accept=True)
    for week in range(1, 13):
        doc = svc.upload_actuals(doc.workflow_id, demo_actuals_bytes(scenario, week), f"week_{week:02d}.csv")
        if doc.state == "awaiting_markdown_approval":
            doc = svc.decide(doc.workflow_id, accept=True)
    assert doc.state == "closed", doc.last_error
    return ds, doc.model_dump(mode="json"), svc.report(doc.workflow_id)


@pytest.mark.parametrize("scenario,overrides", CASES, ids=[c[0] for c in CASES])
def test_replayed_actuals_reproduce_the_workflow(db_url: str, scenario: str, overrides: dict) -> None:
    params = {"category": CATEGORY, "season_start": SEASON_START.isoformat(), "horizon_weeks": 12, **overrides}
    svc = new_service(db_url)
    try:
        ds, status, report = _run_workflow(svc, params, scenario)
        frames = svc.dataset_frames(ds.id)
    finally:
        svc.close()
    ids = frames.stores["store_id"].astype(str).tolist()
    actual = np.array([[_week_by_store(scenario, w).get(sid, 0) for w in range(1, 13)] for sid in ids], dtype=float)
    md = status["markdown"]
    depth = float(md["approved"] or 0.0) if md else 0.0
    demand = actual.copy()
    if depth > 0:
        elasticity = parameter_set(params, source="x").parameters.price_elasticity
        demand[:, md["week"]:] /= markdown_multiplier(depth, elasticity)

    season = _season(frames.history[frames.history["category"] == CATEGORY].reset_index(drop=True), frames.stores,
                     CATEGORY, SEASON_START, 12)
    pset = parameter_set(params, source="test")
    setup = prepare_season(pset, season.forecast, clusters=clusters_for(season, pset.parameters.n_clusters),
                           stores=frames.stores, history=season.history, unit_price=season.unit_price)
    run = simulate(setup, demand)

    # The workflow's own shipments: the initial allocation, then each replenishment line in the week it arrives.
    shipped = np.zeros((len(ids), 12), dtype=np.int64)
    initial = {a["store_id"]: a["initial"] for a in status["allocation"]}
    shipped[:, 0] = [initial[s] for s in ids]
    for line in status["replenishment"]:
        if line["week"] < 12:
            shipped[ids.index(line["store_id"]), line["week"]] += line["qty"]
    oversold = (np.cumsum(actual, axis=1) > np.cumsum(shipped, axis=1)).any(axis=0)
    censored = int(np.argmax(oversold)) + 1 if oversold.any() else None  # first week a store oversold
    upto = censored or 12

    assert setup.proposed_qty == status["order"]["proposed"] == status["order"]["approved"]
    assert (run.received[0][:, :upto] == shipped[:, :upto]).all(), "shipments differ"
    assert (run.sold[0][:, :upto - 1] == actual[:, :upto - 1]).all()
    assert [round(x, 6) for x in run.plans[0][:upto]] == [round(w["plan"], 6) for w in status["weeks"][:upto]]
    if md and md["week"] < upto:
        assert run.proposed_depth[0] == md["proposed"]
        assert run.markdown_depth[0] == depth
    # Sold never above stock on hand in the simulator, whatever the workflow's stores reported.
    assert (np.cumsum(run.sold[0], axis=1) <= np.cumsum(run.received[0], axis=1)).all()
    if censored is not None:
        assert upto >= 2, "nothing left to compare"
        return
    assert (run.demand[0] == actual).all() and (run.sold[0] == actual).all()
    assert int(run.dc_end[0]) == status["dc_on_hand"]
    sim_report = season_report(report_inputs(run, 0))
    for key in ("mape", "wape", "bias", "stockout_store_weeks", "lost_sales_estimate", "overstock_units",
                "sell_through", "markdown_units", "markdown_cost", "unit_price", "reforecast_weeks", "approvals",
                "revenue", "margin"):
        assert getattr(sim_report, key) == getattr(report, key), key
    assert [t.model_dump() for t in sim_report.tuning] == [t.model_dump() for t in report.tuning]
