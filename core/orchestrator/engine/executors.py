"""Where a pending step runs: three executors with identical results (the engine is the same).

- `inline`: in the caller, before the action returns (the CLI default: run and wait);
- `thread`: background worker threads in this process (the dashboard's default: the action
  returns at once and the page follows the step live; no extra service);
- `celery`: a Celery task per step on a broker (SEASON_PLANNER_BROKER_URL), run by
  `python -m core worker`; results only in the database.
Every executor only says *which workflow* has a pending step; the engine claims and runs it, so a
step submitted twice (a redelivered task, two tabs) still runs once.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from typing import Protocol

from core.orchestrator.engine.step_engine import StepEngine

log = logging.getLogger(__name__)
BROKER_ENV = "SEASON_PLANNER_BROKER_URL"
SWEEP_S = float(os.environ.get("SEASON_PLANNER_SWEEP_S", "2"))


class Executor(Protocol):
    name: str
    # An unclaimed pending step older than this is submitted again by whoever looks at it (a
    # queued Celery task is not lost, so it gets time to be picked up first).
    requeue_after_s: float

    def submit(self, workflow_id: str) -> None: ...

    def shutdown(self) -> None: ...


# How long an inline action waits for its step when another caller runs it (then its status says so).
INLINE_WAIT_S = 300.0


class InlineExecutor:
    name = "inline"
    requeue_after_s = 0.0

    def __init__(self, engine: StepEngine):
        self.engine = engine

    def submit(self, workflow_id: str, wait_s: float = INLINE_WAIT_S) -> None:
        """Run the step here. When another thread or process claimed it first (its sweep found it the
        moment it was recorded), wait for that run instead, so an inline action still returns with its
        step done; a claim that dies meanwhile is taken over and run here."""
        if self.engine.run(workflow_id):
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and self.engine.step_pending(workflow_id):
            if self.engine.pending_unclaimed(workflow_id) is not None and self.engine.run(workflow_id):
                return
            time.sleep(0.05)

    def shutdown(self) -> None:
        pass


class DeferredExecutor:
    """Records the pending step and returns (`--no-wait` without a broker): the next command, the
    dashboard or a worker sweep runs it."""

    name = "deferred"
    requeue_after_s = float("inf")

    def __init__(self, engine: StepEngine):
        self.engine = engine

    def submit(self, workflow_id: str) -> None:
        pass

    def shutdown(self) -> None:
        pass


class ThreadExecutor:
    """A small pool of daemon threads fed by a queue; a workflow already queued is not queued twice.

    Its sweep (every `sweep_s`) hands over each pending step that nobody runs: a claim that died with
    another process, or a step recorded by a command that did not run it (`--no-wait`)."""

    name = "thread"
    requeue_after_s = 0.0

    def __init__(self, engine: StepEngine, workers: int = 2, sweep_s: float = SWEEP_S):
        self.engine = engine
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, daemon=True, name=f"step-worker-{i}")
                         for i in range(workers)]
        for t in self._threads:
            t.start()
        self._sweeper = threading.Thread(target=self._sweep_loop, args=(sweep_s,), daemon=True, name="step-sweep")
        self._sweeper.start()

    def submit(self, workflow_id: str) -> None:
        with self._lock:
            if workflow_id in self._queued:
                return
            self._queued.add(workflow_id)
        self._queue.put(workflow_id)

    def _loop(self) -> None:
        while True:
            workflow_id = self._queue.get()
            if workflow_id is None:
                return
            with self._lock:
                self._queued.discard(workflow_id)
            try:
                self.engine.run(workflow_id)
            except Exception:  # the step's failure is recorded by the engine; this is plumbing
                log.exception("background step of %s failed", workflow_id)

    def _sweep_loop(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                for workflow_id in self.engine.abandoned():
                    self.submit(workflow_id)
            except Exception:  # e.g. the database is unreachable for a moment: the next tick tries again
                log.warning("step sweep failed", exc_info=True)

    def shutdown(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._queue.put(None)


class CeleryExecutor:
    """A task per step on the broker. A step never claimed is sent again after `requeue_after_s` (the
    broker's own redelivery time), at most once per that time (the service keeps the count)."""

    name = "celery"
    requeue_after_s = 120.0

    def __init__(self, engine: StepEngine, broker_url: str):
        from core.orchestrator.engine.celery_app import celery_app, task_db_ref, visibility_timeout_s

        self.engine = engine
        self.broker_url = broker_url
        self.app = celery_app(broker_url)
        self.db_ref = task_db_ref(engine.db_url)
        self.requeue_after_s = max(visibility_timeout_s(), engine.lease_ttl_s)

    def submit(self, workflow_id: str) -> None:
        from core.orchestrator.engine.celery_app import send_step

        send_step(self.app, self.db_ref, workflow_id)

    def shutdown(self) -> None:
        pass


def default_kind(fallback: str) -> str:
    """`celery` when a broker is configured, else `fallback` (inline for the CLI, thread for the dashboard)."""
    return "celery" if os.environ.get(BROKER_ENV) else fallback


def make_executor(kind: str, engine: StepEngine) -> Executor:
    if kind == "inline":
        return InlineExecutor(engine)
    if kind == "thread":
        return ThreadExecutor(engine)
    if kind == "deferred":
        return DeferredExecutor(engine)
    if kind == "celery":
        broker = os.environ.get(BROKER_ENV)
        if not broker:
            from core.domain.errors import PlannerError

            raise PlannerError(f"the celery executor needs {BROKER_ENV} (e.g. redis://127.0.0.1:6379/0)")
        return CeleryExecutor(engine, broker)
    raise ValueError(f"unknown executor {kind!r}: inline, thread or celery")
