"""The one Celery app of Season Planner: its configuration, task names, queues and sending
(docs/operations.md, "Workers"). The task bodies are registered by the worker
(core/orchestrator/worker.py); whoever only sends (the CLI, the dashboard) needs none of them.

Two kinds of task travel on it, both consumed by `python -m core worker`:
- a step (`RUN_STEP`): only a database reference and a workflow id; the worker's engine claims and
  runs the step exactly as the inline executor would; results live only in the database;
- a scenario-lab part (`LAB_RUN`): JSON in, figures back through the result backend (the broker's
  Redis, or RPC replies on RabbitMQ).
Late acknowledgement with reject-on-worker-lost: a worker killed mid-task leaves its message
unacknowledged, so it is delivered again (at once for a lost pool child, after the visibility
timeout for a lost worker); a step's dead claim is taken over.

Passwords never travel in a task: the reference is the database URL without its password, and
the worker puts back the password of its own configured URL (`--db` / DATABASE_URL) when the rest
of the URL matches. A relative SQLite path is made absolute before it is sent (a worker started in
another folder would otherwise open, and create, another file).
"""

from __future__ import annotations

import os
import threading
from typing import Any

RUN_STEP = "season_planner.run_step"
LAB_RUN = "season_planner.lab.run_task"
QUEUE_ENV = "SEASON_PLANNER_QUEUE"
LAB_QUEUE_ENV = "SEASON_PLANNER_LAB_QUEUE"
VISIBILITY_ENV = "SEASON_PLANNER_VISIBILITY_TIMEOUT_S"

_apps: dict[str, Any] = {}
_apps_lock = threading.Lock()


def queue_name() -> str:
    return os.environ.get(QUEUE_ENV, "season-planner")


def lab_queue_name() -> str:
    """The lab's parts have their own queue (a long comparison never sits in front of a step), which the
    same worker consumes."""
    return os.environ.get(LAB_QUEUE_ENV, queue_name() + "-lab")


def visibility_timeout_s() -> float:
    return float(os.environ.get(VISIBILITY_ENV, "120"))


def celery_app(broker_url: str) -> Any:
    """One Celery app per broker URL and process (configuration only; the worker registers the bodies)."""
    from celery import Celery

    with _apps_lock:
        app = _apps.get(broker_url)
        if app is not None:
            return app
        backend = broker_url if broker_url.startswith(("redis://", "rediss://")) else "rpc://"
        app = Celery("season_planner", broker=broker_url, backend=backend, set_as_current=False)
        app.conf.update(
            task_acks_late=True,
            task_reject_on_worker_lost=True,
            worker_prefetch_multiplier=1,
            task_ignore_result=True,  # a step's result is in the database; the lab's parts ask for theirs
            task_track_started=True,
            task_default_queue=queue_name(),
            task_serializer="json",
            result_serializer="json",
            accept_content=["json"],
            result_expires=3600,
            broker_connection_retry_on_startup=True,
            broker_connection_timeout=3.0,
            broker_transport_options={"visibility_timeout": visibility_timeout_s()},
            worker_hijack_root_logger=False,
            worker_send_task_events=False,
        )
        _apps[broker_url] = app
        return app


def send_step(app: Any, db_ref: str, workflow_id: str) -> None:
    app.send_task(RUN_STEP, args=[db_ref, workflow_id], queue=queue_name())


def send_lab_part(app: Any, payload: dict[str, Any]) -> Any:
    """One lab part; returns its AsyncResult."""
    return app.send_task(LAB_RUN, args=[payload], queue=lab_queue_name(), ignore_result=False)


def broker_problem(broker_url: str, timeout_s: float = 2.0) -> str | None:
    """Why the broker cannot be reached now (None when it answers): a read says so instead of failing."""
    try:
        with celery_app(broker_url).connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout_s)
        return None
    except Exception as exc:  # any failure to connect is the answer
        from core.scrub import scrub

        first = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else ""
        return scrub(f"{type(exc).__name__}: {first}")


def task_db_ref(db_url: str) -> str:
    """The database URL without its password (what a task may carry); a relative SQLite path made absolute."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:") and not os.path.isabs(url.database):
        url = url.set(database=os.path.abspath(url.database))
    return without_password(url).render_as_string(hide_password=False)


def without_password(url: Any) -> Any:
    """The URL with no password (URL.set(password=None) leaves it in place: None means "unchanged")."""
    return url._replace(password=None)
