"""The season workbook: its sheets, file name and totals, from a real season on SQLite."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from core.exports.workbook import SHEETS, season_workbook, workbook_filename
from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def column(ws, header: str) -> list:  # type: ignore[no-untyped-def]
    names = [c.value for c in ws[1]]
    i = names.index(header)
    return [row[i].value for row in ws.iter_rows(min_row=2)]


def totals_row(ws) -> list:  # type: ignore[no-untyped-def]
    return next([c.value for c in row] for row in ws.iter_rows() if row[0].value == "Total")


@pytest.fixture
def closed_season(tmp_path):  # type: ignore[no-untyped-def]
    svc = new_service(f"sqlite:///{tmp_path / 'p.db'}")
    ds = small_dataset(svc)
    doc = svc.start_workflow(params(unit_cost=20.0, currency="EUR"), dataset_id=ds)
    wf = doc.workflow_id
    svc.decide(wf, accept=True)
    for week in (1, 2, 3):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily()), f"week_{week:02d}.csv")
    doc = svc.decide(wf, accept=False, value=0.1, reason="keep margin")
    for week in (4, 5, 6):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily()), f"week_{week:02d}.csv")
    return doc, svc.report(wf)


def test_workbook_sheets_and_totals_match_the_season(closed_season) -> None:  # type: ignore[no-untyped-def]
    doc, report = closed_season
    wb = load_workbook(io.BytesIO(season_workbook(doc, report)))
    assert wb.sheetnames == list(SHEETS)

    weekly = wb["Weekly plan"]
    assert [w for w in column(weekly, "Week") if isinstance(w, int)] == [1, 2, 3, 4, 5, 6]
    assert totals_row(weekly)[6] == sum(w["actual"] for w in doc.weeks) == 7 * 3 * sum(base_daily().values()) * 2

    alloc = wb["Store allocation"]
    total = totals_row(alloc)
    assert total[2] == doc.order["approved"]  # season totals add up to the approved order
    assert total[6] == sum(a["shipped"] for a in doc.allocation)
    assert total[7] == sum(a["sold"] for a in doc.allocation)

    repl = wb["Replenishment"]
    assert totals_row(repl)[3] == sum(line["qty"] for line in doc.replenishment)
    # units are conserved: everything shipped came from the initial split or the DC
    assert total[6] + doc.dc_on_hand == doc.order["approved"]

    md = wb["Markdown"]
    values = {row[0].value: row[1].value for row in md.iter_rows(min_row=2, max_row=8)}
    assert values["Checkpoint week"] == 3 and values["Approved depth"] == 0.1 and values["Decision"] == "modified"

    rep = {row[0].value: row[1].value for row in wb["Report"].iter_rows(min_row=2)}
    assert rep["Revenue (EUR)"] == pytest.approx(report.revenue)
    assert rep["Gross margin on units sold (EUR)"] == pytest.approx(report.margin)
    assert rep["Profit (EUR)"] == pytest.approx(report.profit)
    assert rep["Sell-through"] == pytest.approx(report.sell_through)
    order = {row[0].value: row[1].value for row in wb["Order"].iter_rows(min_row=2, max_row=6)}
    assert order["Approved"] == doc.order["approved"] and order["Order policy"] == doc.order["policy"]
    quantities = [r[0].value for r in wb["Order"].iter_rows(min_row=9) if isinstance(r[0].value, int)]
    assert quantities == [o["quantity"] for o in doc.order["options"]] and doc.order["proposed"] in quantities
    params_sheet = {row[0].value: row[1].value for row in wb["Parameters"].iter_rows(min_row=2)}
    assert params_sheet["currency"] == "EUR" and params_sheet["unit_cost"] == 20.0


def test_file_name_carries_category_and_season(closed_season) -> None:  # type: ignore[no-untyped-def]
    doc, _ = closed_season
    assert workbook_filename(doc) == "season_dresses_2025-03-03_6w.xlsx"
    assert workbook_filename({"category": "Women's Dresses", "parameters": {"season_start": "2026-02-23",
                                                                           "horizon_weeks": 12}}) == (
        "season_womens-dresses_2026-02-23_12w.xlsx")


def test_a_running_season_exports_without_a_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = new_service(f"sqlite:///{tmp_path / 'p.db'}")
    doc = svc.start_workflow(params(), dataset_id=small_dataset(svc))
    wb = load_workbook(io.BytesIO(season_workbook(doc, None)))
    assert wb["Report"]["A1"].value == "The season is not closed yet: no report"
    assert wb["Markdown"]["A1"].value == "No markdown decision in this season"
    assert len(column(wb["Weekly plan"], "Week")) == 6 + 1  # six planned weeks and the totals row


def test_initial_plus_replenished_plus_still_to_ship_is_the_season_total(closed_season) -> None:  # type: ignore[no-untyped-def]
    """Walk-through: initial + held != season total, and two DC figures (also in the workbook)."""
    doc, report = closed_season
    alloc = load_workbook(io.BytesIO(season_workbook(doc, report)))["Store allocation"]
    for total, initial, replenished, still in zip(column(alloc, "Season total"), column(alloc, "Initial shipment"),
                                                  column(alloc, "Replenished"), column(alloc, "Still to ship")):
        if isinstance(initial, int):
            assert initial + replenished + still == total
    row = totals_row(alloc)
    dc_row = next([c.value for c in r] for r in alloc.iter_rows() if str(r[0].value).startswith("At the DC now"))
    assert row[5] == dc_row[2] == doc.dc_on_hand  # one DC figure


def test_dates_are_dates_and_units_are_whole(closed_season) -> None:  # type: ignore[no-untyped-def]
    """Walk-through: Excel showed the week starts as text and plans with fractional units."""
    import datetime as dt

    doc, report = closed_season
    weekly = load_workbook(io.BytesIO(season_workbook(doc, report)))["Weekly plan"]
    starts = [v for v in column(weekly, "Start") if v is not None]
    assert starts and all(isinstance(v, dt.datetime) for v in starts)
    for name in ("Original forecast", "Plan", "80% low", "80% high", "Actual"):
        assert all(isinstance(v, int) for v in column(weekly, name) if v is not None), name
