"""`python -m core worker`: the one worker process, for workflow steps and scenario-lab parts
(docs/operations.md, "Workers").

The task bodies live here, on the service's level, and are registered on the engine's one Celery app
(core/orchestrator/engine/celery_app.py). The worker also runs the engine's sweep: at start and every
`SWEEP_S` it queues again each pending step that nobody runs (a dead claim, or a step queued while no
broker was reachable), so that reads never have to (docs/planning-rules.md §5, steps resume once).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from core.orchestrator.engine.celery_app import (
    LAB_RUN,
    RUN_STEP,
    celery_app,
    lab_queue_name,
    queue_name,
    without_password,
)

log = logging.getLogger(__name__)
SWEEP_S = float(os.environ.get("SEASON_PLANNER_WORKER_SWEEP_S", "30"))
MAX_DATABASES = 8

_engines: dict[str, Any] = {}  # StepEngine per database URL, in order of last use
_engines_lock = threading.Lock()
_configured_db: list[str] = []  # the worker's own --db / DATABASE_URL (with its password)
_engine_options: dict[str, Any] = {}  # StepEngine keyword arguments of this worker (e.g. injected hooks)
_registered: set[int] = set()


class RefusedDatabase(Exception):
    """A task names a database this worker must not open (it would create an empty one)."""


def worker_app(broker_url: str) -> Any:
    """The Celery app with both task bodies registered (late acknowledgement, requeue when the worker is lost)."""
    app = celery_app(broker_url)
    if id(app) not in _registered:
        app.task(name=RUN_STEP, acks_late=True, reject_on_worker_lost=True, ignore_result=True)(run_step)
        app.task(name=LAB_RUN, acks_late=True, reject_on_worker_lost=True, ignore_result=False)(run_lab_part)
        _registered.add(id(app))
    return app


def run_step(db_ref: str, workflow_id: str) -> bool:
    """The step task: run the workflow's pending step (if nobody else is)."""
    try:
        url = checked_db_url(resolve_db_ref(db_ref))
    except RefusedDatabase as exc:
        log.error("step of %s not run: %s", workflow_id, exc)
        return False
    return _engine_for(url).run(workflow_id)


def run_lab_part(payload: dict[str, Any]) -> dict[str, Any]:
    """The scenario-lab task: one (set, season, paths) part, figures back as JSON."""
    from core.lab.tasks import run_json

    return run_json(payload)


def checked_db_url(url: str) -> str:
    """A SQLite reference must name an existing file by its absolute path: a worker started elsewhere
    must never create (and migrate) an empty database that the app will never see."""
    from core.db.engine import sqlite_file

    path = sqlite_file(url)
    if path is None:
        return url
    if not path.is_absolute():
        raise RefusedDatabase(f"SQLite path {path} is relative; the sender gives absolute paths (an older sender?)")
    if not path.is_file():
        raise RefusedDatabase(f"SQLite file {path} does not exist on this machine; a worker uses the app's own "
                              "database file (same machine) or a shared PostgreSQL")
    return url


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


def resolve_db_ref(ref: str) -> str:
    from sqlalchemy.engine import make_url

    target = make_url(ref)
    for configured in _configured_db:
        url = make_url(configured)
        if url.password is not None and without_password(url) == target:
            return configured
    return ref


def configure_worker_db(db_url: str | None) -> None:
    if db_url:
        _configured_db.append(db_url)


def run_worker(broker_url: str, *, concurrency: int = 1, db_url: str | None = None, loglevel: str = "INFO",
               engine_options: dict[str, Any] | None = None, sweep_s: float = SWEEP_S) -> None:
    """Consume the step and lab queues until stopped; sweep abandoned steps at start and every `sweep_s`."""
    configure_worker_db(db_url)
    _engine_options.update(engine_options or {})
    app = worker_app(broker_url)
    if db_url:
        sweep_once(db_url)
        threading.Thread(target=_sweep_loop, args=(db_url, sweep_s), daemon=True, name="step-sweep").start()
    # One task at a time in a thread: the main thread still answers pings (the lab asks whether a worker
    # is alive while a part runs); more: a pool of processes.
    pool = ["--pool=threads", "--concurrency=1"] if concurrency <= 1 else ["--pool=prefork",
                                                                          f"--concurrency={concurrency}"]
    # A node name of its own: replies to "are you there?" are keyed by it (two "celery@host" hide each other).
    app.worker_main(argv=["worker", f"--hostname=season-planner-{os.getpid()}@%h",
                          f"--queues={queue_name()},{lab_queue_name()}", f"--loglevel={loglevel}",
                          "--without-gossip", "--without-mingle", "--without-heartbeat", *pool])


def sweep_once(db_url: str, service: Any = None) -> list[str]:
    """Queue again every step nobody runs (best effort: a sweep that fails is tried at the next tick)."""
    from core.orchestrator.service import PlannerService

    own = service is None
    try:
        svc = PlannerService(db_url, executor="celery") if own else service
    except Exception:
        log.warning("step sweep: database not usable now", exc_info=True)
        return []
    try:
        return svc.resume_all()
    except Exception:
        log.warning("step sweep failed", exc_info=True)
        return []
    finally:
        if own:
            svc.close()


def _sweep_loop(db_url: str, every_s: float) -> None:
    """One service for the loop, so that a step is sent again at most once per lease (its memory)."""
    from core.orchestrator.service import PlannerService

    svc = None
    while True:
        threading.Event().wait(every_s)
        try:
            svc = svc or PlannerService(db_url, executor="celery")
        except Exception:
            log.warning("step sweep: database not usable now", exc_info=True)
            continue
        sweep_once(db_url, svc)
