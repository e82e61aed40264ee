"""One PlannerService per process and database, created on first use (no work on a plain rerun)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:  # the import is heavy-ish and only needed once, inside the cached factory
    from core.orchestrator.service import PlannerService


def database_url() -> str:
    """The URL the service will open (DATABASE_URL, else the app's default SQLite file): the cache key."""
    from core.config import resolve_db_url

    return resolve_db_url(None)


EXECUTOR_ENV = "SEASON_PLANNER_EXECUTOR"


def dashboard_executor() -> str:
    """Background steps: a thread in this server (default), Celery workers when a broker is set;
    SEASON_PLANNER_EXECUTOR=inline|thread|celery chooses explicitly."""
    import os

    from core.orchestrator.service import default_executor_kind

    return os.environ.get(EXECUTOR_ENV) or default_executor_kind("thread")


@st.cache_resource(show_spinner="Opening the planner database…")
def _service_for(db_url: str | None) -> "PlannerService":
    from core.orchestrator.service import PlannerService

    service = PlannerService(db_url, executor=dashboard_executor())
    # A server that died mid-step left a pending step behind: hand it to the executor at once.
    service.resume_all()
    return service


@st.cache_resource(show_spinner="Preparing the built-in demo data…")
def _demo_dataset_for(db_url: str | None) -> Any:
    return _service_for(db_url).ensure_demo_dataset()


def get_service() -> "PlannerService":
    return _service_for(database_url())


def demo_dataset() -> Any:
    """The built-in demo dataset, created once per process so a new user has data with no clicks."""
    return _demo_dataset_for(database_url())
