"""Comparisons started on the Scenarios page run in the background, so leaving the page loses nothing.

A comparison takes seconds to minutes. Run inside the page's script it stopped the moment the planner
opened another page. Here it runs on a daemon thread of the server process (the same way as the order's
what-if), reports its progress to its job, and stores its result through the service when it is done;
the page follows the jobs of its database with a fragment and shows the stored comparison once there.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

_JOB_LIMIT = 32


@dataclass
class ComparisonJob:
    db_url: str
    label: str
    started: float = field(default_factory=time.monotonic)
    done_parts: int = 0
    total_parts: int = 0
    seen: bool = False  # the page has shown its outcome once
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    future: Future = field(default_factory=Future)  # the stored comparison's id, or the error

    def progress(self, done: int, total: int) -> None:
        self.done_parts, self.total_parts = int(done), int(total)


_jobs: dict[str, ComparisonJob] = {}
_lock = threading.Lock()


def _run(job: ComparisonJob, compare: Callable[[], tuple[dict[str, Any], dict[str, Any]]],
         store: Callable[[dict[str, Any], dict[str, Any]], int]) -> None:
    try:
        doc, inputs = compare()
        job.future.set_result(store(doc, inputs))
    except BaseException as exc:  # shown by the page that follows the job
        job.future.set_exception(exc)


def start_comparison(service: Any, dataset_id: int, rows: list[dict[str, Any]], demand: dict[str, Any], *,
                     workflow_id: str | None, label: str) -> ComparisonJob:
    """Run `service.compare_on_dataset` in the background and store its result (service.save_comparison)."""
    job = ComparisonJob(db_url=str(getattr(service, "db_url", "")), label=label)

    def compare() -> tuple[dict[str, Any], dict[str, Any]]:
        return service.compare_on_dataset(dataset_id, rows, progress=job.progress, **demand)

    def store(doc: dict[str, Any], inputs: dict[str, Any]) -> int:
        if workflow_id:
            inputs["workflow_id"] = workflow_id
        return int(service.save_comparison(doc, inputs, label=label, workflow_id=workflow_id))

    with _lock:
        if len(_jobs) >= _JOB_LIMIT:
            for k in [k for k, j in _jobs.items() if j.seen]:
                _jobs.pop(k, None)
        _jobs[job.key] = job
    threading.Thread(target=_run, args=(job, compare, store), daemon=True, name=f"lab-compare-{job.key[:8]}").start()
    return job


def jobs_to_show(service: Any) -> list[ComparisonJob]:
    """This database's jobs still running, or finished and not shown yet, oldest first."""
    db_url = str(getattr(service, "db_url", ""))
    with _lock:
        return sorted((j for j in _jobs.values() if j.db_url == db_url and not j.seen), key=lambda j: j.started)
