"""AppTest fixtures: the real app against a real SQLite file chosen through DATABASE_URL.

The demo dataset is imported once per test session into a template database; each test gets its
own copy of that file, so tests are independent and still run against a real SQLite database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"


def plain(text: str) -> str:
    """Markdown source of a message without the escaping the pages add to user text."""
    return text.replace("\\", "")


def texts(elements) -> list[str]:
    return [plain(e.value) for e in elements]


@pytest.fixture(scope="session")
def demo_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from core.orchestrator.service import PlannerService

    path = tmp_path_factory.mktemp("template") / "demo.db"
    service = PlannerService(f"sqlite:///{path}")
    service.ensure_demo_dataset()
    service.close()
    return path


@pytest.fixture
def db_url(tmp_path: Path, demo_template_db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "planner.db"
    shutil.copyfile(demo_template_db, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    # AppTest runs one script run at a time: steps run inline, so a click's result is on the next
    # screen. The background (thread) executor and the live panel have their own tests.
    monkeypatch.setenv("SEASON_PLANNER_EXECUTOR", "inline")
    return url


@pytest.fixture
def service(db_url: str):
    """A second service on the same database file, to set up and check state from outside the app."""
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    yield svc
    svc.close()


@pytest.fixture
def app(db_url: str) -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120)
