"""First starts are safe: an interrupted first migration leaves a usable file, concurrent first starts
all succeed, a database from newer code is refused clearly, and stored errors carry no secrets."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from core.db import engine as db_engine
from core.db.engine import DatabaseTooNew, DatabaseUnavailable, open_engine
from core.db.migrations import HEAD
from core.db.models import ALL_TABLES, Dataset, Event, Upload, Workflow

ROOT = Path(__file__).resolve().parents[2]

# Test-side fault injection: a listener on the engine kills the process after the 4th CREATE TABLE.
KILL_AFTER_4TH_TABLE = """
import os, signal, sys
from sqlalchemy import event
from core.db import engine as db_engine
engine = db_engine.make_engine(sys.argv[1])
created = []
@event.listens_for(engine, "after_cursor_execute")
def _count(conn, cursor, statement, *a):
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        created.append(statement)
        if len(created) == 4:
            os.kill(os.getpid(), signal.SIGKILL)
db_engine.upgrade(engine)
"""


def test_a_first_migration_killed_after_the_4th_table_leaves_a_file_that_opens(tmp_path: Path) -> None:
    path = tmp_path / "planner.db"
    url = f"sqlite:///{path}"
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER_4TH_TABLE, url], cwd=ROOT, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    with sqlite3.connect(path) as raw:  # the killed transaction left nothing behind
        assert raw.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    engine = open_engine(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == set(ALL_TABLES) | {"alembic_version"}
    assert db_engine.current_revision(engine) == HEAD
    engine.dispose()


def _first_start(url: str, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue) -> None:
    barrier.wait()
    try:
        engine = open_engine(url)
        out.put(db_engine.current_revision(engine))
        engine.dispose()
    except BaseException as exc:  # reported to the test, which fails with it
        out.put(f"{type(exc).__name__}: {exc}")


def _race_first_starts(url: str, n: int = 4) -> list[str]:
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_first_start, args=(url, barrier, out)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return results


def test_concurrent_first_starts_on_a_new_sqlite_file_all_succeed(tmp_path: Path) -> None:
    for attempt in range(3):
        url = f"sqlite:///{tmp_path / f'race{attempt}.db'}"
        assert _race_first_starts(url) == [HEAD] * 4


def test_concurrent_first_starts_on_a_new_postgresql_schema_all_succeed(pg_url: str) -> None:
    assert _race_first_starts(pg_url) == [HEAD] * 4


def test_a_database_from_newer_code_is_refused_with_a_clear_message(sqlite_url: str) -> None:
    open_engine(sqlite_url).dispose()
    raw = create_engine(sqlite_url)
    with raw.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    raw.dispose()
    with pytest.raises(DatabaseTooNew) as exc:
        open_engine(sqlite_url)
    assert "is at migration '0099_from_the_future', which this code does not know" in exc.value.messages[0]
    assert f"its newest is {HEAD!r}" in exc.value.messages[0]


def test_a_path_under_a_file_is_refused_with_what_is_wrong(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    with pytest.raises(DatabaseUnavailable) as exc:
        open_engine(f"sqlite:///{blocker / 'sub' / 'planner.db'}")
    assert exc.value.messages == [f"database path {blocker / 'sub' / 'planner.db'} cannot be created: {blocker} "
                                  "is a file, not a folder"]


def test_an_unparsable_url_never_prints_its_password() -> None:
    with pytest.raises(DatabaseUnavailable) as exc:
        open_engine("postgresql+psycopg//admin:hunter2-secret@db:5432/x")
    assert "hunter2-secret" not in str(exc.value) and "[redacted]" in str(exc.value)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'p.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def _workflow(session: Session, **kw: object) -> None:
    session.add(Dataset(id=1, label="d", source="upload", content_hash="h", categories=["A"], n_stores=1,
                        n_weeks=1, warnings=[]))
    session.flush()
    session.add(Workflow(id="wf-1", dataset_id=1, category="A", state="needs_attention", version=1, parameters={},
                         created_by="t", **kw))
    session.flush()


def test_secrets_never_reach_the_stored_errors_events_or_context(any_db: str, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "key-from-env-1234567")
    echoed = ("Error code: 401 - {'headers': {'Authorization': 'Bearer sk-proj-abcdefghijklmnop'}, "
              "'key': 'key-from-env-1234567'}")
    engine = open_engine(any_db)
    with Session(engine) as s, s.begin():
        _workflow(s, context={"attention": {"error": echoed}, "notes": [echoed]}, last_error=echoed)
        s.add(Event(workflow_id="wf-1", kind="failed", message=echoed, data={"error": echoed, "nested": [echoed]}))
    with engine.connect() as conn:
        stored = [str(v) for row in conn.execute(text("SELECT message, data FROM events")) for v in row]
        stored += [str(v) for row in conn.execute(text("SELECT last_error, context FROM workflows")) for v in row]
    engine.dispose()
    assert len(stored) == 4
    for value in stored:
        assert "sk-proj" not in value and "key-from-env-1234567" not in value, value
        assert "[redacted]" in value


def test_a_week_of_more_than_2_31_units_is_stored_on_every_backend(any_db: str) -> None:
    engine = open_engine(any_db)
    with Session(engine) as s, s.begin():
        _workflow(s, context={})
        s.add(Upload(workflow_id="wf-1", week=1, version=1, status="active", filename="w1.csv", total=3_000_000_000,
                     missing_stores=[], warnings=[], confirmed_missing=False, created_by="t"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT total FROM uploads")).scalar() == 3_000_000_000
    engine.dispose()
