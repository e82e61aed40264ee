"""Celery wiring for the `celery` executor and `python -m core worker` (docs/operations.md, "Workers").

A task carries only a database reference and a workflow id; the worker's engine claims and runs
the step exactly as the inline executor would. Late acknowledgement with reject-on-worker-lost:
a worker killed mid-step leaves its message unacknowledged, so it is delivered again (at once for
a lost pool child, after the visibility timeout for a lost worker), and the dead claim is taken
over. Results live only in the database (no result backend).

Passwords never travel in a task: the reference is the database URL without its password, and
the worker puts back the password of its own configured URL (`--db` / DATABASE_URL) when the rest
of the URL matches.
"""

from __future__ import annotations

import os
import threading
from typing import Any

RUN_STEP = "season_planner.run_step"
QUEUE_ENV = "SEASON_PLANNER_QUEUE"
VISIBILITY_ENV = "SEASON_PLANNER_VISIBILITY_TIMEOUT_S"

_apps: dict[str, Any] = {}
_apps_lock = threading.Lock()
_engines: dict[str, Any] = {}  # per database URL, in order of last use
MAX_DATABASES = 8
_engines_lock = threading.Lock()
_configured_db: list[str] = []  # the worker's own --db / DATABASE_URL (with its password)
_engine_options: dict[str, Any] = {}  # StepEngine keyword arguments of this worker (e.g. injected hooks)


def queue_name() -> str:
    return os.environ.get(QUEUE_ENV, "season-planner")


def celery_app(broker_url: str) -> Any:
    """One Celery app per broker URL and process, with the step task registered."""
    from celery import Celery

    with _apps_lock:
        app = _apps.get(broker_url)
        if app is not None:
            return app
        app = Celery("season_planner", broker=broker_url, set_as_current=False)
        app.conf.update(
            task_acks_late=True,
            task_reject_on_worker_lost=True,
            worker_prefetch_multiplier=1,
            task_ignore_result=True,
            task_default_queue=queue_name(),
            task_serializer="json",
            accept_content=["json"],
            broker_connection_retry_on_startup=True,
            broker_transport_options={"visibility_timeout": float(os.environ.get(VISIBILITY_ENV, "120"))},
            worker_hijack_root_logger=False,
            worker_send_task_events=False,
        )
        app.task(name=RUN_STEP, acks_late=True, reject_on_worker_lost=True)(run_step)
        _apps[broker_url] = app
        return app


def run_step(db_ref: str, workflow_id: str) -> bool:
    """The task body: run the workflow's pending step (if nobody else is)."""
    return _engine_for(resolve_db_ref(db_ref)).run(workflow_id)


def _engine_for(db_url: str) -> Any:
    from core.db.engine import open_engine
    from core.db.repository import UnitOfWork
    from core.orchestrator.engine.step_engine import StepEngine

    with _engines_lock:
        engine = _engines.pop(db_url, None)
        if engine is None:
            engine = StepEngine(UnitOfWork(open_engine(db_url)), db_url, **_engine_options)
            while len(_engines) >= MAX_DATABASES:  # least recently used first: close its connections
                _engines.pop(next(iter(_engines))).uow.engine.dispose()
        _engines[db_url] = engine  # (re)inserted last: the dict's order is the recency order
        return engine


def task_db_ref(db_url: str) -> str:
    """The database URL without its password (what a task may carry)."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.password is None:
        return db_url
    return url.set(password=None).render_as_string(hide_password=False)


def resolve_db_ref(ref: str) -> str:
    from sqlalchemy.engine import make_url

    target = make_url(ref)
    for configured in _configured_db:
        url = make_url(configured)
        if url.password is not None and url.set(password=None) == target:
            return configured
    return ref


def configure_worker_db(db_url: str | None) -> None:
    if db_url:
        _configured_db.append(db_url)


def run_worker(broker_url: str, *, concurrency: int = 1, db_url: str | None = None, loglevel: str = "INFO",
               engine_options: dict[str, Any] | None = None) -> None:
    """`python -m core worker`: consume the step queue until stopped; resume abandoned steps first."""
    configure_worker_db(db_url)
    _engine_options.update(engine_options or {})
    app = celery_app(broker_url)
    if db_url:
        _resume_abandoned(db_url, app)
    pool = ["--pool=solo"] if concurrency <= 1 else ["--pool=prefork", f"--concurrency={concurrency}"]
    app.worker_main(argv=["worker", f"--queues={queue_name()}", f"--loglevel={loglevel}", "--without-gossip",
                          "--without-mingle", "--without-heartbeat", *pool])


def _resume_abandoned(db_url: str, app: Any) -> None:
    """Steps whose claim died with a previous worker are queued again at start-up."""
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url, executor="inline")
    try:
        for wid in svc.abandoned_workflows():
            app.send_task(RUN_STEP, args=[task_db_ref(db_url), wid], queue=queue_name())
    finally:
        svc.close()
