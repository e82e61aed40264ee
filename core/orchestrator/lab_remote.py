"""Where the scenario lab's parts run: on the one worker (`python -m core worker`) when a broker is set
and a worker takes them, else on this machine (docs/operations.md, "Workers").

The lab (core/lab/tasks.py, RemoteExecutor) gets two functions from here, so that it never imports
the Celery app: send a part, and ask whether a worker answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.orchestrator.engine.celery_app import celery_app, lab_queue_name, send_lab_part
from core.orchestrator.engine.executors import BROKER_ENV


@contextmanager
def lab_executor(broker_url: str | None = None) -> Iterator[Any]:
    """A RemoteExecutor on the broker, or None without one (the lab then uses this machine's cores)."""
    broker = broker_url or os.environ.get(BROKER_ENV)
    if not broker:
        yield None
        return
    from core.lab.tasks import RemoteExecutor

    app = celery_app(broker)

    def ping(timeout: float) -> bool:
        """Does a worker that consumes the lab's queue answer? (Any worker on the broker would answer a
        plain ping, also one of another deployment.)"""
        replies = app.control.inspect(timeout=timeout).active_queues() or {}
        return any(q.get("name") == lab_queue_name() for queues in replies.values() for q in queues or [])

    yield RemoteExecutor(send=lambda payload: send_lab_part(app, payload), ping=ping)
