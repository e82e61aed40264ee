"""Crash safety: a CLI process killed with SIGKILL mid-step resumes correctly on the next call, and
the database is never left half-written. Corrupt and locked SQLite files give a clear message.

Two ways to kill: a step hook injected by tests/crashing_cli.py, SEASON_PLANNER_TEST_CRASH_AT=<step>[:<week>] (SIGKILL
after the step computed, before its results are committed: the worst moment), and plain kill -9
at random moments from outside.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import cli, data, figures
from tests.reliability.dbdump import dump

CRASH = "SEASON_PLANNER_TEST_CRASH_AT"


def _setup(db_url: str) -> int:
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    ds = svc.import_dataset(history=data.history_csv(), history_name="h.csv", stores=data.stores_csv(),
                            stores_name="s.csv")
    svc.close()
    return ds.id


def _consistent(db_url: str, wf: str) -> dict[str, Any]:
    """Invariants that must hold whatever moment a process died at; returns the status document."""
    read = cli.run(db_url, "status", wf, "--json")  # a read shows an abandoned step and changes nothing
    if cli.doc(read)["running_step"] is not None:  # killed mid-step (not before its action was stored)
        assert "is not running" in read.stderr, read.stderr
        assert cli.doc(cli.run(db_url, "status", wf, "--json"))["version"] == cli.doc(read)["version"]
        cli.doc(cli.run(db_url, "retry", wf, "--json"))  # runs the abandoned step again
    status = cli.doc(cli.run(db_url, "status", wf, "--json"))
    assert status["running_step"] is None
    assert status["state"] != "needs_attention", status["last_error"]
    rows = dump(db_url)
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    try:
        uploads = svc.uploads(wf)
        approvals = svc.approvals(wf)
        active = [u["week"] for u in uploads if u["status"] == "active"]
        assert len(active) == len(set(active)), f"a week is active twice: {active}"
        assert sorted(active) == list(range(1, len(active) + 1))
        assert status["weeks_done"] == len(active), (status["weeks_done"], active)
        pending = [a for a in approvals if a.status == "pending"]
        assert len(pending) <= 1
        assert len([a for a in approvals if a.kind == "order"]) == 1
        revisions = [r["revision"] for r in svc.forecast_revisions(wf)]
        assert len(revisions) == len(set(revisions)), f"a forecast revision stored twice: {revisions}"
    finally:
        svc.close()
    # Every actual row belongs to an upload, every active upload has one row per store.
    actual_rows = len(rows["actuals"])
    assert actual_rows == len(uploads) * len(data.STORES)
    return status


def test_kill_at_each_step_resumes_and_loses_nothing(db_url: str, tmp_path: Path) -> None:
    _setup(db_url)
    h = cli.write(tmp_path / "history.csv", data.history_csv())
    s = cli.write(tmp_path / "stores.csv", data.stores_csv())
    p = cli.write(tmp_path / "params.json", __import__("json").dumps(data.params()).encode())

    killed = cli.run(db_url, "plan", "--history", str(h), "--stores", str(s), "--params", str(p), "--json",
                     env={CRASH: "forecast"})
    figures.add("faults injected")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    wfs = cli.doc(cli.run(db_url, "list", "--json"))
    assert len(wfs) == 1 and wfs[0]["state"] == "forecasting"
    wf = wfs[0]["workflow_id"]
    status = _consistent(db_url, wf)
    assert status["state"] == "awaiting_order_approval" and status["pending"]["kind"] == "order"
    events = [e["kind"] for e in _events(db_url, wf)]
    assert "resumed" in events

    killed = cli.run(db_url, "decide", wf, "--accept", "--json", env={CRASH: "allocate"})
    figures.add("faults injected")
    assert killed.returncode == -signal.SIGKILL
    status = _consistent(db_url, wf)
    assert status["state"] == "in_season"
    assert status["order"]["approved"] == status["order"]["proposed"]
    assert sum(a["season_total"] for a in status["allocation"]) == status["order"]["approved"]

    for week in (1, 2):
        f = cli.write(tmp_path / f"week_{week:02d}.csv", data.actuals_csv(week, daily=9))
        killed = cli.run(db_url, "actuals", wf, str(f), "--json", env={CRASH: f"week:{week}"})
        figures.add("faults injected")
        assert killed.returncode == -signal.SIGKILL
        status = _consistent(db_url, wf)
        assert status["weeks_done"] == week
        assert status["weeks"][-1]["actual"] == 9 * 7 * len(data.STORES)
        # The week is stored: sending it again without --replace is refused, nothing duplicated.
        again = cli.run(db_url, "actuals", wf, str(f), "--json")
        cli.assert_clean_rejection(again)
        assert "already stored" in again.stderr

    # Week 3 is the markdown checkpoint: kill while the markdown decision is applied.
    f = cli.write(tmp_path / "week_03.csv", data.actuals_csv(3, daily=2))
    status = cli.doc(cli.run(db_url, "actuals", wf, str(f), "--json"))
    assert status["pending"] is not None and status["pending"]["kind"] == "markdown"  # 38% sold < 60% target
    killed = cli.run(db_url, "decide", wf, "--accept", "--json", env={CRASH: "markdown"})
    figures.add("faults injected")
    assert killed.returncode == -signal.SIGKILL
    status = _consistent(db_url, wf)
    assert status["pending"] is None and status["markdown"]["approved"] == status["markdown"]["proposed"]
    decided = [a for a in _approvals(db_url, wf) if a.kind == "markdown"]
    assert len(decided) == 1 and decided[0].status == "accepted"


def _events(db_url: str, wf: str) -> list[dict[str, Any]]:
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    try:
        return [e.model_dump() for e in svc.events(wf)]
    finally:
        svc.close()


def _approvals(db_url: str, wf: str) -> list[Any]:
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    try:
        return list(svc.approvals(wf))
    finally:
        svc.close()


def test_kill_9_at_random_moments_never_leaves_a_half_written_week(db_url: str, tmp_path: Path) -> None:
    """Weekly uploads killed from outside after a random delay; after each kill the workflow is
    consistent (the week is either absent or stored and processed), and re-sending completes it."""
    from core.orchestrator.service import PlannerService

    ds = _setup(db_url)
    svc = PlannerService(db_url)
    wf = svc.decide(svc.start_workflow(data.params(markdown_week=None), dataset_id=ds).workflow_id,
                    accept=True).workflow_id
    svc.close()
    rng = random.Random(20250303)
    kills = 0
    for week in range(1, 5):
        f = cli.write(tmp_path / f"week_{week:02d}.csv", data.actuals_csv(week, daily=5 + week))
        proc = cli.popen(db_url, "actuals", wf, str(f), "--json")
        time.sleep(rng.uniform(0.3, 3.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
            figures.add("faults injected")
        proc.communicate(timeout=120)
        status = _consistent(db_url, wf)
        assert status["weeks_done"] in (week - 1, week)
        if status["weeks_done"] == week - 1:  # died before the upload was committed: send it again
            status = cli.doc(cli.run(db_url, "actuals", wf, str(f), "--json"))
            _consistent(db_url, wf)
        assert status["weeks_done"] == week
        assert status["weeks"][-1]["actual"] == (5 + week) * 7 * len(data.STORES)
    assert kills >= 1, "no process was killed: the delays were all too long for this machine"


# ------------------------------------------------------------------ corrupt and locked SQLite files
def _sqlite_db_with_workflow(path: Path) -> str:
    from core.orchestrator.service import PlannerService

    url = f"sqlite:///{path}"
    svc = PlannerService(url)
    ds = svc.import_dataset(history=data.history_csv(), history_name="h.csv", stores=data.stores_csv(),
                            stores_name="s.csv")
    wf = svc.start_workflow(data.params(), dataset_id=ds.id).workflow_id
    svc.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, so damage to it is real
    con.close()
    return wf


def _page_of(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT min(pageno) FROM dbstat WHERE name = ?", (table,)).fetchone()[0])
    finally:
        con.close()


def _damage(path: Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    if how == "garbage file":
        path.write_bytes(b"this is not a database\n" * 500)
    elif how == "zeroed header":
        raw[:100] = bytes(100)
        path.write_bytes(bytes(raw))
    elif how == "truncated":
        path.write_bytes(bytes(raw[: 3 * 4096]))
    elif how == "workflows page overwritten":
        page = _page_of(path, "workflows")
        raw[(page - 1) * 4096: page * 4096] = b"\xff" * 4096
        path.write_bytes(bytes(raw))
    elif how == "random bytes mid-file":
        rng = random.Random(7)
        mid = len(raw) // 2
        raw[mid: mid + 8192] = bytes(rng.randrange(256) for _ in range(8192))
        path.write_bytes(bytes(raw))


@pytest.mark.parametrize("how", ["garbage file", "zeroed header", "truncated", "workflows page overwritten",
                                 "random bytes mid-file"])
def test_corrupt_sqlite_file_gives_a_clear_message(tmp_path: Path, how: str) -> None:
    path = tmp_path / "planner.db"
    wf = _sqlite_db_with_workflow(path)
    _damage(path, how)
    figures.add("faults injected")
    damaged = path.read_bytes()
    url = f"sqlite:///{path}"
    for args in (["list", "--json"], ["status", wf, "--json"], ["decide", wf, "--accept", "--json"]):
        result = cli.run(url, *args)
        figures.add("CLI processes run")
        if how == "random bytes mid-file" and result.returncode == 0:
            continue  # the damage hit pages this command never reads
        if how == "random bytes mid-file" and "was stored, but the step it started did not finish" in result.stderr:
            # The decision's own rows were readable and committed; the step that follows read a damaged
            # page: exit 1 (not a refusal), saying what was stored and that nothing stored is lost.
            assert result.returncode == 1 and "Traceback" not in result.stderr and result.stdout.strip() == ""
            assert "malformed" in result.stderr or "not a valid SQLite database" in result.stderr
            continue
        cli.assert_clean_rejection(result)
        assert "planner.db" in result.stderr
        assert "not a valid SQLite database" in result.stderr or "malformed" in result.stderr
    assert path.read_bytes() == damaged or how == "random bytes mid-file"  # nothing "repaired" behind our back


def test_missing_directory_and_directory_as_db_give_a_clear_message(tmp_path: Path) -> None:
    result = cli.run(f"sqlite:///{tmp_path}", "list", "--json")
    cli.assert_clean_rejection(result)
    assert "directory" in result.stderr


def test_locked_sqlite_file_gives_a_clear_message_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "planner.db"
    wf = _sqlite_db_with_workflow(path)
    url = f"sqlite:///{path}"
    before = dump(url)
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(60)
        con.execute("ROLLBACK")
        con.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        figures.add("faults injected")
        # Reading still works while another process writes (WAL) ...
        assert cli.doc(cli.run(url, "status", wf, "--json"))["state"] == "awaiting_order_approval"
        # ... a write waits for the busy timeout, then says why, and changes nothing.
        t0 = time.perf_counter()
        result = cli.run(url, "decide", wf, "--accept", "--json")
        waited = time.perf_counter() - t0
        cli.assert_clean_rejection(result)
        assert "locked" in result.stderr
        assert waited < 60
    finally:
        release.set()
        holder.join()
    assert dump(url) == before
    # Once the lock is gone the same command works.
    assert cli.doc(cli.run(url, "decide", wf, "--accept", "--json"))["state"] == "in_season"
