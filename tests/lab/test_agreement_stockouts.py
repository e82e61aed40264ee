"""Workflow and simulator agree on a season with stockouts (docs/planning-rules.md §4.7): the simulator
runs a hot season on the six-store dataset, its stores run out and its sales are censored; those sales
uploaded week by week to the real workflow (PlannerService on SQLite) give the same re-forecasts,
plans, re-allocations, shipments, markdown and report, because both read the demand behind the
stockouts from the same store weeks."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import numpy as np
import pytest

import core.domain.season_week as season_week
from core.domain.report import season_report
from core.domain.simulation import parameter_set, prepare_season, report_inputs, simulate
from core.lab.runner import _season
from core.lab.work import clusters_for
from tests.orchestrator.conftest import SEASON_START, params
from tests.orchestrator.helpers import new_service, small_dataset

WEEKS = 6


def _upload(week: int, ids: list[str], units: np.ndarray) -> bytes:
    """One week's sales per store, spread over its seven days (the week's total is what counts)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["date", "store_id", "quantity_sold"])
    monday = SEASON_START + timedelta(weeks=week - 1)
    for sid, q in zip(ids, units):
        q = int(q)
        for d in range(7):
            w.writerow([(monday + timedelta(days=d)).isoformat(), sid, q // 7 + (1 if d < q % 7 else 0)])
    return out.getvalue().encode()


def _workflow(svc, ds_id: int, values: dict, ids: list[str], sold: np.ndarray):
    doc = svc.start_workflow(values, dataset_id=ds_id)
    doc = svc.decide(doc.workflow_id, accept=True)
    for week in range(1, WEEKS + 1):
        doc = svc.upload_actuals(doc.workflow_id, _upload(week, ids, sold[:, week - 1]), f"week_{week}.csv")
        if doc.state == "awaiting_markdown_approval":
            doc = svc.decide(doc.workflow_id, accept=True)
    assert doc.state == "closed", doc.last_error
    return doc.model_dump(mode="json"), svc.report(doc.workflow_id), svc.events(doc.workflow_id)


def test_workflow_and_simulator_agree_when_stores_run_out(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    values = params(markdown_week=4)
    svc = new_service(db_url)
    try:
        ds_id = small_dataset(svc)
        frames = svc.dataset_frames(ds_id)
        history = frames.history[frames.history["category"] == "Dresses"].reset_index(drop=True)
        season = _season(history, frames.stores, "Dresses", SEASON_START, WEEKS)
        pset = parameter_set(values, source="test")
        setup = prepare_season(pset, season.forecast, clusters=clusters_for(season, pset.parameters.n_clusters),
                               stores=frames.stores, history=season.history, unit_price=season.unit_price)
        ids = setup.store_ids
        plan = np.array([w.plan for w in setup.forecast.weeks])
        totals = np.array([s.season_total for s in setup.allocation.stores], dtype=float)
        # A hot season, hotter in the big stores than the plan placed: they run out.
        tilt = np.linspace(1.8, 0.9, len(ids))
        demand = np.floor(tilt[:, None] * (totals / totals.sum())[:, None] * plan[None, :] + 0.5)
        run = simulate(setup, demand)
        sold = run.sold[0]
        status, report, events = _workflow(svc, ds_id, values, ids, sold)
    finally:
        svc.close()

    out = np.cumsum(sold, axis=1) >= np.cumsum(run.received[0], axis=1)
    assert out.any() and (run.demand[0] > sold).any(), "the season must have stockouts"
    # The estimate changed the decisions: without it the simulator decides this season otherwise.
    monkeypatch.setattr(season_week, "demand_behind_stockouts", lambda *a, **k: None)
    blind = simulate(setup, demand)
    assert (blind.reforecast_weeks[0] != run.reforecast_weeks[0]
            or not np.array_equal(blind.received, run.received) or not np.allclose(blind.plans, run.plans))

    assert setup.proposed_qty == status["order"]["proposed"]
    shipped = np.zeros_like(sold)
    initial = {a["store_id"]: a["initial"] for a in status["allocation"]}
    shipped[:, 0] = [initial[s] for s in ids]
    for line in status["replenishment"]:
        if line["week"] < WEEKS:
            shipped[ids.index(line["store_id"]), line["week"]] += line["qty"]
    assert np.array_equal(run.received[0], shipped), "shipments differ"
    assert [round(x, 6) for x in run.plans[0]] == [round(w["plan"], 6) for w in status["weeks"]]
    assert run.reforecast_weeks[0] == report.reforecast_weeks and run.reforecast_weeks[0]
    assert int(run.dc_end[0]) == status["dc_on_hand"]
    md = status["markdown"]
    assert run.markdown_depth[0] == float((md or {}).get("approved") or 0.0)
    assert any("stores ran out: estimated demand" in e.message for e in events if e.kind == "variance")
    sim_report = season_report(report_inputs(run, 0))
    for key in ("mape", "wape", "stockout_store_weeks", "lost_sales_estimated", "sell_through", "reforecast_weeks"):
        assert getattr(sim_report, key) == getattr(report, key), key
