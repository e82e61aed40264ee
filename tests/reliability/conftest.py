"""Reliability fixtures: every test here runs on a real SQLite file AND on a real PostgreSQL.

The PostgreSQL variant uses tests/conftest.py's `pg_url`: a fresh schema per test on the server of a
PostgreSQL $DATABASE_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/test, dropped afterwards
(sessions of killed processes ended first), so parallel runs never see each other's rows. When the
server is unreachable that variant is skipped with the reason, except under CI=true where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database under test: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'planner.db'}"
    return request.getfixturevalue("pg_url")  # tests/conftest.py: own schema, skip/fail rules


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
