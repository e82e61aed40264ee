"""Reliability fixtures: every test here runs on a real SQLite file AND on a real PostgreSQL.

PostgreSQL: the server named by $RELIABILITY_PG_URL, else $DATABASE_URL when it is a PostgreSQL
URL, else postgresql+psycopg://postgres@127.0.0.1:5432/test. Each test gets its own schema
(CREATE SCHEMA rel_<random>, dropped afterwards; the URL pins search_path to it), so parallel
runs and the rest of the suite never see each other's rows. When the server is unreachable the
PostgreSQL variant is skipped with the reason, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parents[2]


def pg_base_url() -> str:
    explicit = os.environ.get("RELIABILITY_PG_URL")
    if explicit:
        return explicit
    env = os.environ.get("DATABASE_URL", "")
    if env.startswith("postgresql"):
        return env.split("?", 1)[0]
    return DEFAULT_PG_URL


_pg_checked: dict[str, str | None] = {}


def pg_unavailable_reason() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per session)."""
    url = pg_base_url()
    if url not in _pg_checked:
        import sqlalchemy as sa

        try:
            engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
            _pg_checked[url] = None
        except Exception as exc:  # any failure to connect means "not available here"
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _pg_checked[url] = f"PostgreSQL not reachable at {url}: {first}"
    return _pg_checked[url]


def with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    # application_name lets the fixture find (and end) sessions left behind by killed processes.
    return f"{url}{sep}options=-csearch_path%3D{schema}&application_name={schema}"


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose default schema is a fresh, empty schema owned by this test."""
    reason = pg_unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must run the PostgreSQL variant)")
        pytest.skip(reason)
    import sqlalchemy as sa

    base = pg_base_url()
    schema = f"rel_{secrets.token_hex(5)}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    _created_schemas.append(schema)
    try:
        yield with_search_path(base, schema)
    finally:
        _drop_schema(base, schema)


_created_schemas: list[str] = []


def _drop_schema(base: str, schema: str) -> None:
    import sqlalchemy as sa

    dropper = sa.create_engine(base, poolclass=sa.pool.NullPool)
    try:
        with dropper.begin() as conn:
            # Sessions of killed test processes may still hold locks for a moment; end them first.
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE pid <> pg_backend_pid() AND application_name = :name"), {"name": schema})
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if schema in _created_schemas:
            _created_schemas.remove(schema)
    finally:
        dropper.dispose()


def pytest_sessionfinish(session: Any) -> None:
    """Second chance for schemas whose test teardown did not get to drop them."""
    for schema in list(_created_schemas):
        try:
            _drop_schema(pg_base_url(), schema)
        except Exception:  # the server went away: nothing more can be done from here
            pass


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database under test: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'planner.db'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def service(db_url: str) -> Iterator[Any]:
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture
def dataset_id(service: Any) -> int:
    from tests.reliability import data

    return service.import_dataset(history=data.history_csv(), history_name="history.csv",
                                  stores=data.stores_csv(), stores_name="stores.csv").id


def cli_env(db_url: str, **extra: str) -> dict[str, str]:
    """Environment for `python -m core` subprocesses: no LLM, no tracing, the test's database."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL",
                                                             "SEASON_PLANNER_DEBUG")}
    env.update({"DATABASE_URL": db_url, "OPENAI_AGENTS_DISABLE_TRACING": "1", "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.reliability.figures import FIGURES

    if FIGURES:
        terminalreporter.write_sep("-", "reliability figures")
        for name in sorted(FIGURES):
            terminalreporter.write_line(f"{name}: {FIGURES[name]}")
