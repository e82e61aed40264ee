"""Queued week files, applied by the engine in week order (docs/planning-rules.md §3: weeks in order).

A week file uploaded while an earlier week is missing is stored, checked, as a queued upload
(core/orchestrator/commands/uploads.py). Whenever a step leaves the season in season with week k
done, the commit that stores its result also takes the queued file of week k+1, if any: it becomes
the week's active upload and the week's step is asked for, in the same transaction. The engine runs
that step next, and so on until the queue has no next week.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from core.db.repository import Repository
from core.orchestrator.steps.context import StepMarker, WorkflowContext
from core.orchestrator.steps.states import State


def take_next_queued_week(repo: Repository, workflow_id: str, ctx: WorkflowContext, state: State,
                          now: datetime) -> int | None:
    """Activate the queued file of the next week and ask for its step (in the caller's transaction)."""
    if state is not State.IN_SEASON or ctx.season is None or ctx.step is not None:
        return None
    week = ctx.season.weeks_done + 1
    if week > ctx.parameters.horizon_weeks:
        return None
    row = repo.queued_upload(workflow_id, week)
    if row is None:
        return None
    repo.activate_upload(row.id)
    repo.add_event(workflow_id, "upload", f"Week {week} from {row.filename} taken from the queue: week {week - 1} "
                   "is in, so it is applied now", step="week",
                   data={"week": week, "version": row.version, "filename": row.filename, "from_queue": True})
    repo.add_event(workflow_id, "started", f"Processing week {week}", step="week")
    ctx.step = StepMarker(name="week", args={"from_week": week, "replay": False, "queued": True}, started_at=now,
                          token=secrets.token_hex(8))
    return week
