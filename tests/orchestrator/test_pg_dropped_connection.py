"""A PostgreSQL connection dropped inside a step is retried (attack round: 33 terminations, 0 retries)."""

from __future__ import annotations

from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from tests.orchestrator.conftest import params
from tests.orchestrator.helpers import new_service, small_dataset


def test_a_connection_terminated_inside_a_steps_commit_is_retried(pg_url: str) -> None:
    svc = new_service(pg_url)
    ds = small_dataset(svc)
    admin = create_engine(pg_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    armed, killed = [False], []

    def arm(step: str, args: dict) -> None:
        armed[0] = not killed

    @event.listens_for(svc.engine, "before_cursor_execute")
    def terminate_mid_commit(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        if armed[0] and statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
            armed[0] = False
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            killed.append(pid)

    svc.steps.before_commit = arm
    doc = svc.start_workflow(params(), dataset_id=ds)
    doc = svc.wait(doc.workflow_id, timeout_s=60)
    admin.dispose()
    assert killed, "the step's commit connection was terminated"
    assert doc.state == "awaiting_order_approval", doc.last_error
    retries = [e for e in svc.events(doc.workflow_id) if e.kind == "retry"]
    assert len(retries) == 1 and "retry 1 of 3" in retries[0].message
    svc.close()
