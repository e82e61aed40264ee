"""Engine, migrations and configuration on real SQLite files."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, text

from core import config
from core.db import engine as db_engine
from core.db.engine import DatabaseLocked, DatabaseUnavailable, open_engine
from core.db.migrations import HEAD
from core.db.models import ALL_TABLES


def test_head_constant_matches_the_migration_scripts():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(db_engine.MIGRATIONS_DIR)).get_current_head() == HEAD


def test_first_open_creates_every_table_with_sqlite_pragmas(tmp_path):
    path = tmp_path / "sub" / "dir" / "planner.db"  # parent folders are created
    engine = open_engine(f"sqlite:///{path}")
    assert path.exists()
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == set(ALL_TABLES) | {"alembic_version"}
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == db_engine.SQLITE_BUSY_TIMEOUT_MS


def test_reopening_at_head_does_not_run_alembic(sqlite_url, monkeypatch):
    open_engine(sqlite_url).dispose()

    def boom(_engine):
        raise AssertionError("alembic should not run on a database already at head")

    monkeypatch.setattr(db_engine, "_run_alembic", boom)
    engine = open_engine(sqlite_url)
    assert db_engine.current_revision(engine) == HEAD


def test_corrupt_file_gives_a_readable_error(tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"\x00garbage, not a database\x00" * 200)
    with pytest.raises(DatabaseUnavailable, match="is not a valid SQLite database"):
        open_engine(f"sqlite:///{path}")


def test_directory_and_bad_url_are_rejected(tmp_path):
    with pytest.raises(DatabaseUnavailable, match="is a directory"):
        open_engine(f"sqlite:///{tmp_path}")
    with pytest.raises(DatabaseUnavailable, match="not a valid SQLAlchemy URL"):
        open_engine("::nonsense::")


def test_locked_database_is_reported_as_locked(tmp_path, monkeypatch):
    path = tmp_path / "locked.db"
    open_engine(f"sqlite:///{path}").dispose()
    from core.orchestrator.service import PlannerService
    from tests.orchestrator.conftest import history_csv, stores_csv

    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 100)
    svc = PlannerService(f"sqlite:///{path}", sleep=lambda s: None)
    holder = sqlite3.connect(path, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLocked, match="is locked by another process"):
            svc.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(), stores_name="s.csv")
    finally:
        holder.rollback()
        holder.close()


def test_database_url_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SEASON_PLANNER_DB", raising=False)
    assert config.resolve_db_url() == f"sqlite:///{config.DEFAULT_DB_PATH}"
    monkeypatch.setenv("SEASON_PLANNER_DB", str(tmp_path / "a.db"))
    assert config.resolve_db_url() == f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert config.resolve_db_url() == "postgresql+psycopg://u@h/db"
    assert config.resolve_db_url(str(tmp_path / "b.db")) == f"sqlite:///{tmp_path / 'b.db'}"
    assert config.resolve_db_url("sqlite:///x.db") == "sqlite:///x.db"
