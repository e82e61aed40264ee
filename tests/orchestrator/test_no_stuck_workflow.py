"""No workflow can get stuck, through the service the pages call: impossible starts and
decisions are refused with nothing stored, a step that fails for good says retrying will not help
and the season can still be closed, and a step that cannot finish after the planner's action was
committed says what was stored."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event

from core.domain.errors import InfeasibleSeason, PlannerError, StoredButNotFinished, TransientStepError
from core.domain.params import ParameterError
from core.orchestrator.steps.states import State
from tests.orchestrator.conftest import actuals_csv, base_daily, history_csv, params, stores_csv
from tests.orchestrator.helpers import dump_tables, new_service, small_dataset


def with_zero_category() -> bytes:
    rows = history_csv().decode().splitlines()
    extra = [r.replace(",Dresses,", ",Socks,").rsplit(",", 2)[0] + ",0,0.00" for r in rows[1:] if ",Dresses," in r]
    return ("\n".join(rows + extra) + "\n").encode()


@pytest.mark.parametrize(("change", "message"), [
    ({"season_start": "9999-12-27"}, "season_start = 9999-12-27 is out of range"),
    ({"season_start": "1850-01-06"}, "season_start = 1850-01-06 is out of range"),
    ({"season_start": "2023-03-06"}, "complete week(s) of 'Dresses' history before the season"),
    ({"season_start": "2031-03-03"}, "more than 104 weeks after the last week"),
])
def test_an_impossible_start_is_refused_and_stores_nothing(db_url, change, message) -> None:
    svc = new_service(db_url)
    ds = small_dataset(svc)
    before = dump_tables(svc)
    with pytest.raises(PlannerError) as exc:
        svc.start_workflow(params(**change), dataset_id=ds)
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert dump_tables(svc) == before


def test_one_store_is_refused_and_more_clusters_than_stores_are_capped(db_url) -> None:
    svc = new_service(db_url)
    ds = small_dataset(svc)
    doc = svc.start_workflow(params(n_clusters=8), dataset_id=ds)
    assert doc.parameters["n_clusters"] == 6 and doc.state == State.AWAITING_ORDER_APPROVAL
    assert "n_clusters = 8 is more than the 6 stores with different attributes; using n_clusters = 6" in doc.notes
    one = svc.import_dataset(history=b"\n".join(l for l in history_csv().splitlines() if b",S1," in l or
                                                l.startswith(b"date")) + b"\n", history_name="h1.csv",
                             stores=b"\n".join(stores_csv().splitlines()[:2]) + b"\n", stores_name="s1.csv").id
    before = dump_tables(svc)
    with pytest.raises(InfeasibleSeason, match="clustering needs at least 2 stores with different attributes"):
        svc.start_workflow(params(), dataset_id=one)
    assert dump_tables(svc) == before


def test_a_zero_order_cannot_be_accepted_and_extreme_orders_are_refused(db_url) -> None:
    svc = new_service(db_url)
    ds = svc.import_dataset(history=with_zero_category(), history_name="h.csv", stores=stores_csv(),
                            stores_name="s.csv").id
    doc = svc.start_workflow(params(category="Socks"), dataset_id=ds)
    assert doc.pending["proposal"] == 0 and any("sold 0 units" in n for n in doc.notes)
    wf = doc.workflow_id
    before = dump_tables(svc)
    with pytest.raises(PlannerError, match="cannot be accepted"):
        svc.decide(wf, accept=True)
    for value in (0, -1, 1e19, float("inf"), float("nan"), 12.5, 9007199254740993, "9007199254740993"):
        with pytest.raises(ParameterError, match="order quantity"):
            svc.decide(wf, accept=False, value=value, reason="r")
    assert dump_tables(svc) == before
    doc = svc.decide(wf, accept=False, value=400, reason="new line, we expect demand")
    assert doc.state == State.IN_SEASON and doc.order["approved"] == 400
    for week in (1, 2, 3):  # through the markdown checkpoint of week 3: sell-through of 400 units, no 0/0
        doc = svc.upload_actuals(wf, actuals_csv(week, 1), f"w{week}.csv")
        if doc.state == State.AWAITING_MARKDOWN_APPROVAL:
            doc = svc.decide(wf, accept=True)
    assert doc.state == State.IN_SEASON and doc.weeks_done == 3


def test_a_permanent_failure_is_not_retried_says_so_and_can_be_closed(db_url) -> None:
    sleeps: list[float] = []

    def broken_week(step, args):
        if step == "week" and args.get("from_week") == 2:
            raise ZeroDivisionError("division by zero")

    svc = new_service(db_url, sleep=sleeps.append, fault_hook=broken_week)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    doc = svc.upload_actuals(wf, actuals_csv(2, base_daily()), "w2.csv")
    assert doc.state == State.NEEDS_ATTENTION and sleeps == []  # not retried: it would fail the same way
    assert "retrying will not help" in doc.last_error and "close the season" in doc.last_error
    doc = svc.close_season(wf)
    assert doc.state == State.CLOSED
    report = svc.report(wf)
    assert report.closed_early and len(report.mape) > 0
    assert any("Closed while step week had failed" in e.message for e in svc.events(wf))


def test_a_season_whose_forecast_fails_for_good_closes_with_what_happened(db_url) -> None:
    def broken(step, args):
        if step == "forecast":
            raise ValueError("series of NaN")

    svc = new_service(db_url, fault_hook=broken)
    doc = svc.start_workflow(params(), dataset_id=small_dataset(svc))
    assert doc.state == State.NEEDS_ATTENTION and "retrying will not help" in doc.last_error
    doc = svc.close_season(doc.workflow_id)
    assert doc.state == State.CLOSED
    closed = [e for e in svc.events(doc.workflow_id) if e.kind == "closed"]
    assert len(closed) == 1 and "step forecast failed (ValueError: series of NaN)" in closed[0].message
    with pytest.raises(PlannerError, match="no season report"):
        svc.report(doc.workflow_id)


def test_transient_failures_are_retried_three_times_and_say_retry_can_help(db_url) -> None:
    sleeps: list[float] = []

    def flaky(step, args):
        if step == "allocate":
            raise TransientStepError("lock timeout")

    svc = new_service(db_url, sleep=sleeps.append, fault_hook=flaky)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    doc = svc.decide(wf, accept=True)
    assert sleeps == [1.0, 2.0, 4.0] and doc.state == State.NEEDS_ATTENTION
    assert "retrying will not help" not in doc.last_error


def test_disk_full_after_an_upload_says_the_week_was_stored_and_the_step_resumes(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    full = {"on": False}

    def fill_disk(step, args):  # injected: the disk fills up while the week's step runs
        if step == "week":
            full["on"] = True

    svc = new_service(url, before_commit=fill_disk)

    @event.listens_for(svc.engine, "before_cursor_execute")
    def _no_space(conn, cursor, statement, *args):  # test-side fault: every write fails like SQLITE_FULL
        if full["on"] and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")

    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    with pytest.raises(StoredButNotFinished) as exc:
        svc.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    assert "week 1 (2025-03-03..2025-03-09) from w1.csv was stored" in exc.value.messages[0]
    assert "database or disk is full" in exc.value.messages[0]
    assert [(u["week"], u["status"]) for u in svc.uploads(wf)] == [(1, "active")]  # the truth: it is stored
    full["on"] = False  # space freed: Retry runs the step (a read only shows it pending)
    svc.steps.before_commit = None
    assert svc.status(wf).running_step == "week"
    doc = svc.retry(wf)
    assert doc.state == State.IN_SEASON and doc.weeks_done == 1
