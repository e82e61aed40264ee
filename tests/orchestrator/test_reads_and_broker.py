"""Reads are reads, and a broker without a worker never makes a command wait for ever
(docs/operations.md, "Workers"):

- `status` runs, sends and writes nothing: not with an abandoned step, not with the broker down, and a
  read-only PostgreSQL role can run it;
- with a broker and no worker a command waits a bounded time and says what to do;
- a queued step is sent again at most once per requeue period, however often one looks;
- a task's SQLite path is absolute, and a worker never creates a database file it was not given.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.domain.errors import StoredButNotFinished
from tests.celery_support import QUEUE, REDIS_URL, need_redis
from tests.orchestrator.conftest import params
from tests.orchestrator.helpers import dump_tables, new_service, small_dataset

ROOT = Path(__file__).resolve().parents[2]
DOWN_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def cli(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    for name in ("SEASON_PLANNER_DEBUG", "DATABASE_URL"):
        full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "core", *args, "--db", db_url], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=300)


def queued_step(db_url: str) -> str:
    """A workflow whose allocation is recorded but not run (the order decided with --no-wait, no broker)."""
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    svc.close()
    deferred = new_service(db_url, executor="deferred")
    assert deferred.decide(wf, accept=True).running_step == "allocate"
    deferred.close()
    return wf


def test_status_with_the_broker_down_shows_the_workflow_and_says_so(db_url: str) -> None:
    wf = queued_step(db_url)
    svc = new_service(db_url)
    before = dump_tables(svc)
    read = cli(db_url, "status", wf, "--json", SEASON_PLANNER_BROKER_URL=DOWN_BROKER)
    assert read.returncode == 0, read.stderr
    doc = __import__("json").loads(read.stdout)
    assert doc["workflow_id"] == wf and doc["running_step"] == "allocate"
    assert "the broker (redis://127.0.0.1:1/0) is down" in read.stderr
    assert "step allocate is not running (no one has taken it yet)" in read.stderr
    assert "unexpected error" not in read.stderr
    assert dump_tables(svc) == before  # nothing written, nothing resumed
    svc.close()


def test_status_never_submits_a_step(db_url: str) -> None:
    """Looked at a hundred times, an abandoned step stays where it is; the sweep resumes it."""
    wf = queued_step(db_url)
    svc = new_service(db_url)
    before = dump_tables(svc)
    for _ in range(100):
        assert svc.status(wf).running_step == "allocate"
    assert dump_tables(svc) == before
    assert svc.resume_all() == [wf]
    assert svc.status(wf).running_step is None and svc.status(wf).state == "in_season"
    svc.close()


@pytest.mark.postgres
def test_a_read_only_postgresql_role_can_run_status(pg_url: str) -> None:
    wf = queued_step(pg_url)
    url = make_url(pg_url)
    schema = url.query["options"].split("search_path=")[-1]
    role = f"sp_reader_{secrets.token_hex(4)}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'reader'"))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
        conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}'))
    reader = url.set(username=role, password="reader").render_as_string(hide_password=False)
    try:
        with create_engine(reader).connect() as conn:  # the role really cannot write
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text("UPDATE workflows SET version = version + 1"))
        read = cli(reader, "status", wf, "--json")
        assert read.returncode == 0, read.stderr
        doc = __import__("json").loads(read.stdout)
        assert doc["workflow_id"] == wf and doc["state"] == "allocating" and doc["running_step"] == "allocate"
        assert "is not running" in read.stderr
        text_read = cli(reader, "status", wf)
        assert text_read.returncode == 0 and f"{wf}" in text_read.stdout
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


# ------------------------------------------------------------------------------ a broker, no worker
@pytest.fixture
def idle_broker(monkeypatch: pytest.MonkeyPatch) -> str:
    """Redis with a queue no worker consumes."""
    need_redis()
    queue = f"{QUEUE}-idle-{secrets.token_hex(3)}"
    monkeypatch.setenv("SEASON_PLANNER_BROKER_URL", REDIS_URL)
    monkeypatch.setenv("SEASON_PLANNER_QUEUE", queue)
    yield queue
    import redis

    redis.Redis.from_url(REDIS_URL).delete(queue)


def queue_length(queue: str) -> int:
    import redis

    return int(redis.Redis.from_url(REDIS_URL).llen(queue))


def test_a_command_without_a_worker_waits_a_bounded_time_and_says_what_to_do(tmp_path: Path, idle_broker) -> None:
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    wf = queued_step(db_url)  # any queued step: the wait is the same for every command
    svc = new_service(db_url, executor="celery")
    with pytest.raises(StoredButNotFinished) as exc:
        svc.wait(wf, worker_wait_s=1.0)
    assert ("no worker took the step (allocate of " + wf + ") within 1 s; start `python -m core worker` or run "
            "without SEASON_PLANNER_BROKER_URL") in exc.value.messages[0]
    assert svc.status(wf).running_step == "allocate"  # stored and still queued
    svc.close()
    retry = cli(db_url, "retry", wf, SEASON_PLANNER_BROKER_URL=REDIS_URL, SEASON_PLANNER_QUEUE=idle_broker,
                SEASON_PLANNER_WORKER_WAIT_S="1")
    assert retry.returncode == 1, retry.stderr
    assert "no worker took the step (allocate" in retry.stderr and "unexpected error" not in retry.stderr


def test_a_queued_step_is_sent_again_at_most_once_per_requeue_period(tmp_path: Path, idle_broker) -> None:
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    wf = queued_step(db_url)
    now = [datetime.now(timezone.utc)]
    svc = new_service(db_url, executor="celery", clock=lambda: now[0])
    every = svc.executor.requeue_after_s
    assert queue_length(idle_broker) == 0
    for _ in range(50):  # reads send nothing
        svc.status(wf)
    assert queue_length(idle_broker) == 0
    assert svc.resume(wf) is False  # asked a moment ago: a worker may still take it
    now[0] += timedelta(seconds=every + 1)
    sent = [svc.resume(wf) for _ in range(200)]
    assert sent.count(True) == 1 and queue_length(idle_broker) == 1
    now[0] += timedelta(seconds=every / 2)
    assert not any(svc.resume(wf) for _ in range(50)) and queue_length(idle_broker) == 1
    now[0] += timedelta(seconds=every / 2 + 1)
    assert svc.resume(wf) is True and queue_length(idle_broker) == 2
    svc.close()


# ------------------------------------------------------------------------------ database references
def test_a_relative_sqlite_path_travels_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.orchestrator.engine.celery_app import task_db_ref

    monkeypatch.chdir(tmp_path)
    assert task_db_ref("sqlite:///var/p.db") == f"sqlite:///{tmp_path / 'var' / 'p.db'}"
    assert task_db_ref("postgresql+psycopg://u:secret@db/x") == "postgresql+psycopg://u@db/x"


def test_a_worker_never_creates_a_database_it_was_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.orchestrator.worker import run_step

    monkeypatch.chdir(tmp_path)
    assert run_step("sqlite:///elsewhere.db", "wf-1") is False  # relative: refused
    assert run_step(f"sqlite:///{tmp_path / 'missing.db'}", "wf-1") is False  # no such file here: refused
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_worker_puts_back_its_own_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.orchestrator import worker
    from core.orchestrator.engine.celery_app import task_db_ref

    monkeypatch.setattr(worker, "_configured_db", ["postgresql+psycopg://u:secret@db/x"])
    ref = task_db_ref("postgresql+psycopg://u:secret@db/x")
    assert "secret" not in ref
    assert worker.resolve_db_ref(ref) == "postgresql+psycopg://u:secret@db/x"
    assert worker.resolve_db_ref("postgresql+psycopg://u@other/x") == "postgresql+psycopg://u@other/x"


@pytest.mark.slow
def test_the_worker_sweep_runs_a_step_nobody_sent(tmp_path: Path) -> None:
    """A step recorded while no broker was reachable (here: --no-wait without a broker, asked an hour
    ago) is found by a running worker's periodic sweep and run; nobody reads or sends anything."""
    import time

    from tests.celery_support import Worker, worker_env

    need_redis()
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    svc.close()
    queue = f"{QUEUE}-sweep-{secrets.token_hex(3)}"
    worker = Worker("--db", db_url, env=worker_env(SEASON_PLANNER_QUEUE=queue, SEASON_PLANNER_WORKER_SWEEP_S="1"))
    try:
        an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
        deferred = new_service(db_url, executor="deferred", clock=lambda: an_hour_ago)
        assert deferred.decide(wf, accept=True).running_step == "allocate"
        deferred.close()
        reader = new_service(db_url)
        deadline = time.monotonic() + 120
        while reader.status(wf).running_step is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        doc = reader.status(wf)
        assert doc.running_step is None and doc.state == "in_season", worker.log.read_text()[-2000:]
        reader.close()
    finally:
        worker.stop()
