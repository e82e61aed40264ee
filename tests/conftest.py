"""Shared test set-up: no network, no tracing, a real SQLite file per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
# Tests never call a real LLM: drop any key the developer's shell happens to carry.
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(_var, None)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ANCHOR = SHARED_DATA / "anchor"


@pytest.fixture
def anchor_dir() -> Path:
    if not ANCHOR.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference data missing under CI: {ANCHOR}")
        pytest.skip(f"reference data not present at {ANCHOR}")
    return ANCHOR


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'planner.db'}"
