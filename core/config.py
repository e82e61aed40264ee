"""Run-time settings: where the database lives and which LLM endpoint (if any) to use.

Kept free of heavy imports: the CLI reads this before deciding what else to load.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_PATH = REPO_ROOT / "var" / "season_planner.db"

# Environment variables, in order of precedence after an explicit --db / db_url argument.
ENV_DB_URL = "DATABASE_URL"
ENV_DB_PATH = "SEASON_PLANNER_DB"


def sqlite_url_for(path: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def is_url(value: str) -> bool:
    return "://" in value


def resolve_db_url(value: str | None = None) -> str:
    """An explicit path or URL wins; then $DATABASE_URL; then $SEASON_PLANNER_DB; then var/season_planner.db."""
    if value:
        return value if is_url(value) else sqlite_url_for(value)
    env_url = os.environ.get(ENV_DB_URL)
    if env_url:
        return env_url if is_url(env_url) else sqlite_url_for(env_url)
    env_path = os.environ.get(ENV_DB_PATH)
    if env_path:
        return env_path if is_url(env_path) else sqlite_url_for(env_path)
    return sqlite_url_for(DEFAULT_DB_PATH)


def llm_configured() -> bool:
    return bool(os.environ.get("OPENAI_API_KEY"))


def llm_settings() -> dict[str, str | None]:
    return {
        "api_key_set": "yes" if llm_configured() else None,
        "base_url": os.environ.get("OPENAI_BASE_URL"),
        "model": os.environ.get("SEASON_PLANNER_MODEL") or os.environ.get("OPENAI_MODEL"),
    }


def debug_enabled() -> bool:
    return os.environ.get("SEASON_PLANNER_DEBUG", "") not in ("", "0", "false", "no")
