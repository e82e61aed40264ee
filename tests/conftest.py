"""Shared test set-up: no network, no tracing, a real database per test.

`db_url` is a fresh SQLite file, or, when DATABASE_URL points at PostgreSQL, a fresh schema
on that server (dropped afterwards) so the same tests run on both back-ends.
`pg_url` always wants PostgreSQL: it skips with a visible reason when none is reachable, except
under CI=true, where PostgreSQL must be there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
# Tests never call a real LLM: drop any key the developer's shell happens to carry.
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(_var, None)

# Tests choose their database through fixtures; the variable only says which server to use.
PG_SERVER_URL = os.environ.pop("DATABASE_URL", None) if os.environ.get("DATABASE_URL", "").startswith(
    "postgresql") else None
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ANCHOR = SHARED_DATA / "anchor"
WALMART = SHARED_DATA / "walmart"


def _need_dir(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference data missing under CI: {path}")
        pytest.skip(f"reference data not present at {path}")
    return path


@pytest.fixture
def anchor_dir() -> Path:
    return _need_dir(ANCHOR)


@pytest.fixture
def walmart_dir() -> Path:
    return _need_dir(WALMART)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'planner.db'}"


def _pg_reachable(url: str) -> str | None:
    """None when reachable, else the reason."""
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: not usable here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


_open_schemas: list[tuple[str, str]] = []  # (server URL, schema) not dropped yet


def _drop_schema(server_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            # Sessions of processes a test killed may still hold locks for a moment: end them first
            # (they carry the schema as application_name, see _isolated_schema).
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE pid <> pg_backend_pid() AND application_name = :name"), {"name": schema})
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if (server_url, schema) in _open_schemas:
            _open_schemas.remove((server_url, schema))
    finally:
        admin.dispose()


def _isolated_schema(server_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    _open_schemas.append((server_url, schema))
    sep = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        _drop_schema(server_url, schema)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Second chance for schemas whose test teardown did not get to drop them."""
    for server_url, schema in list(_open_schemas):
        try:
            _drop_schema(server_url, schema)
        except Exception:  # the server went away: nothing more can be done from here
            pass


@pytest.fixture
def pg_url() -> Iterator[str]:
    server = PG_SERVER_URL or DEFAULT_PG_URL
    reason = _pg_reachable(server)
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must be reachable under CI at {server}: {reason}")
        pytest.skip(f"PostgreSQL not reachable at {server}: {reason}")
    yield from _isolated_schema(server)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if PG_SERVER_URL:
        yield from _isolated_schema(PG_SERVER_URL)
    else:
        yield f"sqlite:///{tmp_path / 'planner.db'}"
