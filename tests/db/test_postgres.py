"""A season on PostgreSQL (DATABASE_URL or the local test server), in a throw-away schema."""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.orchestrator.steps.states import State
from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else DEFAULT_PG


@pytest.fixture
def pg_url():
    base = _pg_url()
    try:
        admin = create_engine(base, connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable under CI at {base}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {base}: {type(exc).__name__}")
    schema = f"sp_test_{secrets.token_hex(4)}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_season_on_postgresql(pg_url):
    svc = new_service(pg_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id
    doc = svc.decide(wf, accept=True)
    assert doc.state == State.IN_SEASON
    for week in range(1, 7):
        doc = svc.upload_actuals(wf, actuals_csv(week, base_daily(0.8)), f"w{week}.csv")
        if doc.state == State.AWAITING_MARKDOWN_APPROVAL:
            doc = svc.decide(wf, accept=False, value=0.15, reason="test")
    assert doc.state == State.CLOSED
    assert doc.dc_on_hand + sum(a["shipped"] for a in doc.allocation) == doc.order["approved"]
    assert doc.created_at.tzinfo is not None
    assert svc.report(wf).approvals == {"accepted": 1, "modified": 1}
    [summary] = svc.list_workflows()
    assert summary.state == "closed"
    svc.close()
