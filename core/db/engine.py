"""Engine creation, SQLite pragmas, and automatic alembic migration at start-up.

Database problems that a user can fix (a corrupt or locked file, an unreachable server) become a
DatabaseUnavailable with a readable message instead of a traceback.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.db.migrations import HEAD
from core.domain.errors import PlannerError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SEASON_PLANNER_BUSY_TIMEOUT_MS", "10000"))


class DatabaseUnavailable(PlannerError):
    """The database cannot be opened or used (corrupt file, locked, unreachable server)."""


class DatabaseLocked(DatabaseUnavailable):
    """Another process holds the lock longer than the busy timeout; worth retrying."""


def is_lock_error(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text or "busy" in text


def db_error(url: str, exc: BaseException) -> DatabaseUnavailable:
    cls = DatabaseLocked if is_lock_error(exc) else DatabaseUnavailable
    return cls(describe_db_error(url, exc))


def describe_db_error(url: str, exc: BaseException) -> str:
    raw = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    where = safe_url(url)
    low = raw.lower()
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return f"database {where} is not a valid SQLite database (corrupt or another kind of file): {raw}"
    if "locked" in low or "busy" in low:
        return f"database {where} is locked by another process; try again in a moment ({raw})"
    if "unable to open" in low:
        return f"database {where} cannot be opened (check the path and permissions): {raw}"
    return f"database {where} is not usable: {raw}"


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is reported as given
        return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUnavailable(f"database URL {url!r} is not a valid SQLAlchemy URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if path.exists() and path.is_dir():
                raise DatabaseUnavailable(f"database path {path} is a directory, not a SQLite file")
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # e.g. driver not installed
        raise DatabaseUnavailable(f"database {safe_url(url)} cannot be used: {exc}") from None


_migrate_lock = threading.Lock()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Apply migrations up to head; cheap when already there (one SELECT, no alembic import)."""
    url = engine.url.render_as_string(hide_password=False)
    try:
        if current_revision(engine) == HEAD:
            return
        with _migrate_lock:
            _run_alembic(engine)
    except DBAPIError as exc:
        # Two processes migrating a fresh database at once: the loser fails on CREATE TABLE.
        try:
            if current_revision(engine) == HEAD:
                return
        except DBAPIError:
            pass
        raise db_error(url, exc) from None


def alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _run_alembic(engine: Engine) -> None:
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_engine(url: str) -> Engine:
    """Engine at head, or DatabaseUnavailable with a readable reason."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise db_error(url, exc) from None
    except DatabaseUnavailable:
        engine.dispose()
        raise
    return engine
