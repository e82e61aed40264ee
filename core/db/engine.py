"""Engine creation, SQLite pragmas, and automatic alembic migration at start-up.

Database problems that a user can fix (a corrupt or locked file, an unreachable server) become a
DatabaseUnavailable with a readable message instead of a traceback.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.db.migrations import HEAD
from core.domain.errors import PlannerError
from core.scrub import scrub, scrubbed_json

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SEASON_PLANNER_BUSY_TIMEOUT_MS", "10000"))


class DatabaseUnavailable(PlannerError):
    """The database cannot be opened or used (corrupt file, locked, unreachable server)."""


class DatabaseLocked(DatabaseUnavailable):
    """Another process holds the lock longer than the busy timeout; worth retrying."""


class DatabaseDisconnected(DatabaseUnavailable):
    """The server dropped the connection (terminated, restarted, network): a new connection may work."""


_DISCONNECT_WORDS = ("terminating connection", "server closed the connection", "connection is closed",
                     "connection already closed", "consuming input failed", "connection reset",
                     "could not receive data", "ssl connection has been closed", "connection was killed")


def is_disconnect(exc: BaseException) -> bool:
    if getattr(exc, "connection_invalidated", False):
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return any(w in text for w in _DISCONNECT_WORDS)


def is_lock_error(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text or "busy" in text


def db_error(url: str, exc: BaseException) -> DatabaseUnavailable:
    cls = DatabaseLocked if is_lock_error(exc) else DatabaseDisconnected if is_disconnect(exc) else DatabaseUnavailable
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
    except Exception:  # an unparsable URL is reported as given, minus anything that looks like a password
        return scrub(url)


def _ensure_wal(cur) -> None:  # type: ignore[no-untyped-def]
    """Switch to WAL once; on a brand-new file several first starts may try at the same moment.

    Changing the journal mode does not wait on the busy handler: a process that loses that race
    gets "database is locked" at once, so it looks again (another process has usually switched it
    already) for up to the busy timeout.
    """
    import sqlite3

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    _ensure_wal(cur)
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _sqlite_folder(database: str) -> Path:
    """The SQLite file's path with its folder created, or DatabaseUnavailable saying why it cannot be."""
    path = Path(database)
    if path.exists() and path.is_dir():
        raise DatabaseUnavailable(f"database path {path} is a directory, not a SQLite file")
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise DatabaseUnavailable(f"database path {path} cannot be created: {blocker} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(f"database folder {path.parent} cannot be created: {exc.strerror}") from None
    return path


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases, in-memory and URI ones, or a bad URL)."""
    try:
        parsed = make_url(url)
    except Exception:
        return None
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUnavailable(scrub(f"database URL {url!r} is not a valid SQLAlchemy URL: {exc}")) from None
    # Every JSON document written is scrubbed of secrets (the text columns scrub themselves, models.py).
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            _sqlite_folder(str(path))
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                               json_serializer=scrubbed_json)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, json_serializer=scrubbed_json)
    except Exception as exc:  # e.g. driver not installed
        raise DatabaseUnavailable(scrub(f"database {safe_url(url)} cannot be used: {exc}")) from None


_migrate_lock = threading.Lock()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revision_on(conn)


class DatabaseTooNew(DatabaseUnavailable):
    """The database was migrated by a newer version of the code than this one."""


def _check_known(url: str, revision: str | None) -> None:
    """DatabaseTooNew when `revision` is not one of this code's migrations."""
    if revision is None or revision == HEAD:
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        raise DatabaseTooNew(
            f"database {safe_url(url)} is at migration {revision!r}, which this code does not know (its newest is "
            f"{HEAD!r}): it was upgraded by a newer version of Season Planner; update the code, or use another "
            "database") from None


def upgrade(engine: Engine) -> None:
    """Apply migrations up to head; cheap when already there (one SELECT, no alembic import)."""
    url = engine.url.render_as_string(hide_password=False)
    try:
        revision = current_revision(engine)
        if revision == HEAD:
            return
        _check_known(url, revision)
        with _migrate_lock:
            _run_alembic(engine, url)
    except DBAPIError as exc:
        # A concurrent first start that still lost a race the lock could not prevent.
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


# Any constant works: it only has to be the same for every process migrating one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x5EA5_0001


def _run_alembic(engine: Engine, url: str) -> None:
    """Migrate in ONE transaction that first takes the database's write lock.

    SQLite runs CREATE TABLE outside any transaction unless one is opened explicitly (the sqlite3
    module only opens one before INSERT/UPDATE/DELETE), so a kill after the 4th table used to leave
    a file that never opened again; BEGIN IMMEDIATE makes the whole migration one transaction and
    makes a second first start wait for it. PostgreSQL's DDL is transactional; an advisory lock
    serialises two first starts. Whoever gets the lock second finds the schema at head and stops.
    """
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        revision = _revision_on(conn)
        if revision != HEAD:
            _check_known(url, revision)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        conn.commit()


def _revision_on(conn) -> str | None:  # type: ignore[no-untyped-def]
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


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
