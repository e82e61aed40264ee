"""Storing a week of actuals (docs/planning-rules.md §3): the write of an accepted upload (applied at
once, or queued behind a missing earlier week), and the messages for a file over the size limit, a
week already stored or queued, or an upload that lost a race."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.db.repository import Repository
from core.domain.errors import ConcurrencyConflict, IngestError, PlannerError, WeekAlreadyStored
from core.orchestrator.steps.context import WorkflowContext
from core.orchestrator.steps.states import State
from core.orchestrator.queries.status import aware


def store_upload(repo: Repository, workflow_id: str, read_version: int, ctx: WorkflowContext, *, week: int,
                 span: str, old: dict[str, Any] | None, up: Any, counts: dict[str, int], data: bytes, filename: str,
                 by: str, now: datetime, confirmed_missing: bool, plan_share: float | None = None,
                 waits_for: int | None = None, held_by_markdown: bool = False,
                 state: str = State.IN_SEASON.value) -> None:
    """Store the week; a confirmed partial week keeps its missing dates and its days' share of the plan.

    `waits_for`: an earlier week that is missing; `held_by_markdown`: a markdown awaits its decision.
    Either way the file is stored as a queued upload (with its rows, checked like any other), the
    workflow keeps its `state` and no step is asked for: the engine applies it once the weeks before
    it are in and the markdown is decided (docs/planning-rules.md §3, weeks in order)."""
    queued = waits_for is not None or held_by_markdown
    # The version check comes first: on PostgreSQL the conditional UPDATE takes the workflow's
    # row lock, so a concurrent upload waits here and then finds the version moved on, instead
    # of computing the same next upload version and colliding on the unique index.
    repo.save_workflow(workflow_id, read_version, state=state, context=ctx.dump())
    raw_id = repo.add_raw_file("actuals", filename, data)
    if old is not None:
        repo.supersede(old["id"])
    version = repo.next_upload_version(workflow_id, week)
    upload_id = repo.add_upload(workflow_id=workflow_id, week=week, version=version,
                                status="queued" if queued else "active",
                                filename=filename, raw_file_id=raw_id, total=int(up.total),
                                missing_stores=list(up.missing_stores), warnings=list(up.warnings),
                                confirmed_missing=confirmed_missing, created_by=by, created_at=now,
                                missing_dates=[d.isoformat() for d in up.missing_dates] or None,
                                plan_share=None if plan_share is None else round(float(plan_share), 6))
    repo.add_actual_rows([{"upload_id": upload_id, "workflow_id": workflow_id, "week": week,
                           "store_id": sid, "quantity": q} for sid, q in counts.items()])
    msg = (f"Week {week} ({span}) actuals stored from {filename}: {int(up.total):,} units"
           + (f", queued until week {waits_for} is in (weeks are applied in order)" if waits_for else
              ", queued until the markdown is decided" if held_by_markdown else "")
           + (f", replacing version {old['version']}" if old is not None else "")
           + (f" (partial week: {7 - len(up.missing_dates)} of 7 days)" if up.partial else "")
           + "".join(f"; {n}" for n in up.notes))
    repo.add_event(workflow_id, "upload", msg, step="week",
                   data={"week": week, "version": version, "total": int(up.total), "filename": filename,
                         "warnings": list(up.warnings), "missing_stores": list(up.missing_stores),
                         "notes": list(up.notes), "missing_dates": [d.isoformat() for d in up.missing_dates],
                         "plan_share": plan_share, "queued_for": waits_for,
                         "replaced": old["version"] if old is not None else None, "by": by})
    for w in up.warnings:
        repo.add_event(workflow_id, "warning", w, step="week", data={"week": week})
    if not queued:
        repo.add_event(workflow_id, "started", f"Processing week {week}" +
                       (" and re-running the later weeks" if old is not None and not old.get("queued") else ""),
                       step="week")


def lost_upload_race(repo: Repository, workflow_id: str, week: int, span: str, filename: str, replace: bool,
                     exc: BaseException) -> PlannerError:
    """Another action was saved between this upload's read and its write (nothing of this upload
    was kept): say the week is stored when that is what happened, else ask for a reload."""
    now_active = repo.active_upload(workflow_id, week)
    if now_active is not None and not replace:
        return week_stored(filename, week, span, {"filename": now_active.filename, "by": now_active.created_by,
                                                  "at": aware(now_active.created_at)})
    if isinstance(exc, ConcurrencyConflict):
        return exc
    return ConcurrencyConflict(f"workflow {workflow_id} changed while this action ran (another upload of week "
                               f"{week} was saved first); nothing of {filename} was stored: reload and try again")


def week_stored(filename: str, week: int, span: str, old: dict[str, Any]) -> WeekAlreadyStored:
    held = "queued (it waits for an earlier week)" if old.get("queued") else "stored"
    return WeekAlreadyStored(
        [f"{filename}: week {week} ({span}) is already {held} (from {old['filename']}, uploaded by "
         f"{old['by']} at {old['at'].isoformat(timespec='seconds')}); upload it again with "
         "replace to supersede it (the old version is kept in the history)"], week)


def refuse_oversize(files: list[tuple[str, Any, str]]) -> None:
    """Files over ingestion's size limit are refused before any database work or hashing. The
    parser is what refuses them (its size check comes first), so the message is ingestion's own."""
    from core.domain.ingest import limits, parse_actuals, parse_history, parse_stores

    caps = {"history": limits.MAX_HISTORY_BYTES, "stores": limits.MAX_STORES_BYTES,
            "actuals": limits.MAX_ACTUALS_BYTES}
    problems = []
    for kind, data, name in files:
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) <= caps[kind]:
            continue
        try:
            if kind == "history":
                parse_history(data, name)
            elif kind == "stores":
                parse_stores(data, name)
            else:
                parse_actuals(data, name, season_start=date(2000, 1, 3), horizon_weeks=1, known_stores=(),
                              category=None)
        except IngestError as exc:
            problems.extend(exc.problems)
    if problems:
        raise IngestError(problems)
