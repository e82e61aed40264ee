"""Pending steps as the service handles them (a mixin of PlannerService): the engine's sweep, a
command's bounded wait, and what a read may say about a step nobody runs (docs/operations.md,
"Workers" and "Reads are reads").

A read never calls any of this except `step_notes`, which only reads (and asks the broker whether it
answers). Commands resume their workflow's abandoned step before they act or wait; the dashboard's
thread executor and the worker sweep every workflow.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.domain.errors import StoredButNotFinished
from core.orchestrator.engine.executors import BROKER_ENV
from core.orchestrator.queries.status import StatusDocument

WORKER_WAIT_ENV = "SEASON_PLANNER_WORKER_WAIT_S"


class PendingSteps:
    """Methods of PlannerService (self has steps, executor, queries, commands, clock, status())."""

    steps: Any
    executor: Any
    queries: Any
    clock: Callable[[], datetime]
    _sent: dict[str, datetime]
    _sent_lock: threading.Lock

    def broker_problem(self) -> str | None:
        """Why the step queue's broker cannot be reached now (None: reachable, or no broker in use)."""
        if self.executor.name != "celery":
            return None
        from core.orchestrator.engine.celery_app import broker_problem

        why = broker_problem(self.executor.broker_url)  # type: ignore[attr-defined]
        if why is None:
            return None
        return (f"the broker ({safe_broker(self.executor.broker_url)}) is down: {why}; queued steps wait "  # type: ignore[attr-defined]
                "until it is back (start it, or run without SEASON_PLANNER_BROKER_URL)")

    def step_notes(self, workflow_id: str, doc: StatusDocument) -> list[str]:
        """What a read says about a pending step: nobody runs it, or the broker is down (reads only)."""
        notes = []
        pending = self.steps.pending_unclaimed(workflow_id) if doc.running_step is not None else None
        if pending is not None:
            who = "its process stopped" if pending.claim_died else "no one has taken it yet"
            notes.append(f"step {pending.name} is not running ({who}): `python -m core retry {workflow_id}` runs "
                         "it (so do the dashboard, a worker and the next action)")
        broker = self.broker_problem()
        if broker is not None:
            notes.append(broker)
        return notes

    def resume(self, workflow_id: str) -> bool:
        """Hand a pending step that nobody runs (its claim died, or it was never claimed) to the
        executor; True when one was handed over. A step queued for a Celery worker gets
        `requeue_after_s` to be picked up before it is sent again, and is sent again at most once in
        that time by this process."""
        pending = self.steps.pending_unclaimed(workflow_id)
        if pending is None:
            return False
        waited = (self.clock() - pending.asked_at).total_seconds()
        every = self.executor.requeue_after_s
        if not pending.claim_died and waited < every:
            return False
        now = self.clock()
        with self._sent_lock:
            last = self._sent.get(workflow_id)
            if every > 0 and last is not None and (now - last).total_seconds() < every:
                return False
            self._sent[workflow_id] = now
        self.executor.submit(workflow_id)
        return True

    def abandoned_workflows(self) -> list[str]:
        return self.steps.abandoned()

    def resume_all(self) -> list[str]:
        """The sweep: resume every workflow with an abandoned step (app start-up, a worker, a command)."""
        return [wid for wid in self.steps.abandoned() if self.resume(wid)]

    def settle(self, workflow_id: str, timeout_s: float = 120.0) -> StatusDocument:
        """The workflow once the step pending before an action has run: run here when nothing else will
        (`--no-wait` without a worker queued it for "the next command"), else waited for, at most
        `timeout_s` (the action then says the step is still running)."""
        doc = self.queries.status(workflow_id)
        if doc.running_step is None:
            return doc
        if self.executor.name == "deferred":
            self.steps.run(workflow_id)
            return self.queries.status(workflow_id)
        return self.wait(workflow_id, timeout_s=timeout_s)

    def wait(self, workflow_id: str, timeout_s: float | None = None, poll_s: float = 0.05,
             worker_wait_s: float | None = None) -> StatusDocument:
        """The status once no step is pending (or after `timeout_s`): what `--no-wait` skips.

        A command waits for its own step, so it resumes it when nobody runs it. With a broker, a step that
        no worker takes within `worker_wait_s` (SEASON_PLANNER_WORKER_WAIT_S, default 30 s) ends the
        wait with StoredButNotFinished: the action is stored and the step stays queued."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        bound = worker_wait() if worker_wait_s is None else worker_wait_s
        unclaimed_since: float | None = None
        while True:
            self.resume(workflow_id)
            doc = self.queries.status(workflow_id)
            now = time.monotonic()
            if doc.running_step is None or (deadline is not None and now >= deadline):
                return doc
            if self.executor.name == "celery":
                if self.steps.pending_unclaimed(workflow_id) is None:
                    unclaimed_since = None
                elif unclaimed_since is None:
                    unclaimed_since = now
                elif now - unclaimed_since >= bound:
                    raise StoredButNotFinished(no_worker_message(workflow_id, doc.running_step, bound))
            time.sleep(poll_s)


def worker_wait() -> float:
    return float(os.environ.get(WORKER_WAIT_ENV, "30"))


def no_worker_message(workflow_id: str, step: str, waited_s: float) -> str:
    return (f"no worker took the step ({step} of {workflow_id}) within {waited_s:g} s; start `python -m core "
            f"worker` or run without {BROKER_ENV} (the action is stored and the step stays queued: "
            f"`python -m core status {workflow_id}` shows it)")


def safe_broker(url: str) -> str:
    from core.db.engine import safe_url

    return safe_url(url)


