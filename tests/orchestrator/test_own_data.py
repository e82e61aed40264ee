"""A planner's own data: their column names (mapped at import, remembered per file layout), a stores
file with only store_id, and a weekly data set's week files taken as weekly totals (full weeks)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain.errors import IngestError, PartialWeek
from core.orchestrator.steps.states import State
from tests.orchestrator.conftest import SEASON_START, STORES, history_csv, params
from tests.orchestrator.helpers import dump_tables, new_service

THEIRS = {"date": "week_start", "store_id": "shop", "category": "dept", "quantity_sold": "qty"}


def their_history() -> bytes:
    lines = history_csv().decode().splitlines()
    return ("\n".join(["week_start,shop,dept,qty,revenue", *lines[1:]]) + "\n").encode()


def ids_only_stores() -> bytes:
    return ("shop\n" + "\n".join(STORES) + "\n").encode()


def weekly_totals(week: int, units: int, *, header: str = "date,store_id,quantity_sold", weekday: int = 2) -> bytes:
    """One row per store: the week's total, dated on `weekday` days after the week's Monday."""
    day = SEASON_START + timedelta(weeks=week - 1, days=weekday)
    return (header + "\n" + "\n".join(f"{day},{sid},{units}" for sid in STORES) + "\n").encode()


def test_their_columns_and_a_stores_file_with_only_store_id_plan_a_season(db_url: str) -> None:
    svc = new_service(db_url)
    ds = svc.import_dataset(history=their_history(), history_name="h.csv", stores=ids_only_stores(),
                            stores_name="s.csv", column_map=THEIRS)
    assert ds.column_map == THEIRS and ds.stores == 6 and ds.frequency == "weekly"
    doc = svc.start_workflow(params(), dataset_id=ds.id)
    assert doc.state == State.AWAITING_ORDER_APPROVAL
    doc = svc.decide(doc.workflow_id, accept=True)
    assert doc.state == State.IN_SEASON and len(doc.clusters) == 2
    assert sum(a["season_total"] for a in doc.allocation) == doc.order["approved"]
    # a week file with their column names is read with the data set's mapping, as a weekly total
    doc = svc.upload_actuals(doc.workflow_id, weekly_totals(1, 40, header="week_start,shop,qty"), "w1.csv")
    assert doc.weeks[0]["actual"] == 40 * 6


def test_the_mapping_is_remembered_for_the_file_layout(db_url: str) -> None:
    svc = new_service(db_url)
    before = svc.column_mapping("history", their_history())
    assert before["remembered"] is None and before["suggested"] == {"date": "week_start", "store_id": "shop",
                                                                     "category": "dept", "quantity_sold": "qty"}
    svc.import_dataset(history=their_history(), history_name="h.csv", stores=ids_only_stores(),
                       stores_name="s.csv", column_map=THEIRS)
    again = new_service(db_url).column_mapping("history", b"Week_Start,Shop,Dept,Qty,Revenue\n")
    assert again["remembered"] == THEIRS
    assert new_service(db_url).column_mapping("stores", ids_only_stores())["remembered"] == {"store_id": "shop"}


def test_a_bad_mapping_changes_nothing(db_url: str) -> None:
    svc = new_service(db_url)
    before = dump_tables(svc)
    with pytest.raises(IngestError) as info:
        svc.import_dataset(history=their_history(), history_name="h.csv", stores=ids_only_stores(),
                           stores_name="s.csv", column_map={**THEIRS, "quantity_sold": "units"})
    assert "h.csv, row 1, column 'units': missing column 'units' (mapped to quantity_sold)" in info.value.messages[0]
    assert dump_tables(svc) == before


def _season(db_url: str) -> tuple[object, str]:
    from tests.orchestrator.conftest import stores_csv

    svc = new_service(db_url)
    ds = svc.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(), stores_name="s.csv")
    wf = svc.start_workflow(params(), dataset_id=ds.id).workflow_id
    svc.decide(wf, accept=True)
    return svc, wf


@pytest.mark.parametrize("weekday", [0, 3, 6])
def test_a_weekly_data_sets_week_file_is_a_full_week_whatever_day_it_is_dated(db_url: str, weekday: int) -> None:
    svc, wf = _season(db_url)
    doc = svc.upload_actuals(wf, weekly_totals(1, 70, weekday=weekday), "w1.csv")
    week = doc.weeks[0]
    assert week["actual"] == 70 * 6
    assert week.get("days_share") in (None, 1.0)
    uploads = svc.uploads(wf)
    assert not uploads[0].get("missing_dates")
    # the variance is against the whole week's plan, not a seventh of it
    assert abs(week["variance"]) < 1.0


def test_daily_rows_of_a_few_days_are_still_a_partial_week(db_url: str) -> None:
    svc, wf = _season(db_url)
    rows = [f"{SEASON_START + timedelta(days=d)},{sid},5" for d in range(3) for sid in STORES]
    with pytest.raises(PartialWeek):
        svc.upload_actuals(wf, ("date,store_id,quantity_sold\n" + "\n".join(rows) + "\n").encode(), "w1.csv")
