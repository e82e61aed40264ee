"""Commands: start, decide, upload, close, retry (docs/planning-rules.md sections 1 and 5).

Each handler reads the workflow, checks the action is allowed, and writes in ONE transaction what
the planner did (decision, upload) together with the *pending step* (a StepMarker in the context),
checking the version it read. It then hands the workflow to the executor, which runs the step
now (inline) or in the background (thread, celery). No handler computes a planning number.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError

from core.db.models import Workflow
from core.orchestrator.commands.partial_weeks import completed_week
from core.db.repository import UnitOfWork
from core.domain.errors import (
    ActionNotAllowed,
    AlreadyDecided,
    ConcurrencyConflict,
    MissingStores,
    PartialWeek,
    NotFound,
    PlannerError,
    StoredButNotFinished,
)
from core.domain.params import ParameterError, SeasonParameters
from core.orchestrator.steps.context import StepMarker, WorkflowContext
from core.orchestrator.queries.frames import load_frames
from core.orchestrator.steps.decisions import decided_value
from core.orchestrator.commands.labels import clean_filename, clean_person, clean_text
from core.orchestrator.commands.llm_events import EXTRACTIONS, extraction_fallback_event
from core.orchestrator.queries.status import aware
from core.orchestrator.steps.states import STEP_STATE, State, check_transition, why_not
from core.orchestrator.commands.uploads import lost_upload_race, refuse_oversize, store_upload, week_stored


def new_marker(name: str, args: dict[str, Any], now: datetime) -> StepMarker:
    return StepMarker(name=name, args=args, started_at=now, token=secrets.token_hex(8))


def context_for(action: str, workflow_id: str, wf: Any) -> WorkflowContext:
    """The workflow's context, or ActionNotAllowed saying why `action` is not allowed in its state."""
    reason = why_not(action, wf.state)
    if reason:
        raise ActionNotAllowed(f"{workflow_id}: {reason}")
    return WorkflowContext.model_validate(wf.context)


def check_idle(workflow_id: str, ctx: WorkflowContext) -> None:
    """While a step is pending or running, actions that would change the workflow wait for it."""
    if ctx.step is not None:
        raise ActionNotAllowed(f"{workflow_id}: step {ctx.step.name} is running right now (started "
                               f"{ctx.step.started_at.isoformat(timespec='seconds')}); try again in a moment")


class Commands:
    def __init__(self, uow: UnitOfWork, db_url: str, submit: Callable[[str], None], clock: Callable[[], datetime]):
        self.uow = uow
        self.db_url = db_url
        self.submit = submit
        self.clock = clock

    # ------------------------------------------------------------------ start
    def start(self, params: SeasonParameters, *, dataset_id: int, categories: list[str],
              source_text: str | None, by: str) -> str:
        by = clean_person(by)
        source_text = clean_text(source_text)
        if params.category not in categories:
            raise ParameterError(f"category = {params.category!r} is not in the dataset's history: allowed "
                                 + ", ".join(repr(c) for c in categories))
        params, checked = self._feasible(params, dataset_id)
        now = self.clock()
        ctx = WorkflowContext(parameters=params, notes=list(params.notes) + checked, started_at=now,
                              step=new_marker("forecast", {}, now))
        for _ in range(20):
            wf_id = f"wf-{secrets.token_hex(3)}"
            try:
                with self.uow.begin() as repo:
                    if repo.workflow_exists(wf_id):
                        continue
                    repo.s.add(Workflow(id=wf_id, dataset_id=dataset_id, category=params.category,
                                        state=State.FORECASTING.value, version=1,
                                        parameters=params.model_dump(mode="json"), context=ctx.dump(),
                                        source_text=source_text, created_by=by, created_at=now, updated_at=now))
                    repo.s.flush()
                    self._start_events(repo, wf_id, params, by, dataset_id, source_text, checked)
                break
            except DBAPIError:
                with self.uow.read() as repo:
                    if repo.workflow_exists(wf_id):
                        continue  # id collision with a concurrent creator: draw another
                raise
        else:  # pragma: no cover - 20 collisions in a 16M space
            raise ActionNotAllowed("could not allocate a workflow id; try again")
        self._run_after(wf_id, f"workflow {wf_id}")
        return wf_id

    def _feasible(self, params: SeasonParameters, dataset_id: int) -> tuple[SeasonParameters, list[str]]:
        """Refuse (InfeasibleSeason, nothing stored) a season that could never reach its end; n_clusters
        capped at the distinct stores, with the notes saying so (core/domain/feasibility.py)."""
        from core.domain.feasibility import check_feasibility

        with self.uow.read() as repo:
            frames = load_frames(repo, dataset_id, self.db_url, category=params.category)
        feasible = check_feasibility(params, frames.history, frames.stores)
        return feasible.parameters, feasible.notes

    def _start_events(self, repo: Any, wf_id: str, params: SeasonParameters, by: str, dataset_id: int,
                      source_text: str | None, checked: list[str]) -> None:
        repo.add_event(wf_id, "started", f"Workflow created by {by} for {params.category}, "
                       f"{params.horizon_weeks} weeks from {params.season_start.isoformat()}",
                       step="parameters", data={"parameters": params.model_dump(mode="json"), "dataset_id": dataset_id})
        for note in [*params.notes, *checked]:
            repo.add_event(wf_id, "note", note, step="parameters")
        fallback = EXTRACTIONS.get((self.db_url, source_text)) if source_text else None
        if fallback is not None:
            ev = extraction_fallback_event(fallback)
            repo.add_event(wf_id, ev.kind, ev.message, step=ev.step, data=ev.data)
        repo.add_event(wf_id, "completed", "Parameters confirmed", step="parameters")
        repo.add_event(wf_id, "started", "Forecasting demand", step="forecast")

    # ------------------------------------------------------------------ decide
    def decide(self, workflow_id: str, *, accept: bool, value: float | None, reason: str | None, by: str,
               expected_approval_id: int | None) -> None:
        by = clean_person(by)
        reason = clean_text(reason) if isinstance(reason, str) else None
        with self.uow.read() as repo:
            wf = repo.workflow(workflow_id)
            pending = repo.pending_approval(workflow_id)
            if expected_approval_id is not None and (pending is None or pending.id != expected_approval_id):
                decided = next((a for a in repo.approvals(workflow_id) if a.id == expected_approval_id), None)
                if decided is None:
                    raise NotFound(f"approval #{expected_approval_id} does not belong to {workflow_id}")
                raise AlreadyDecided(repo.already_decided_message(expected_approval_id))
            if pending is None:
                # (a state still reading awaiting_* here is a read racing the winning decision)
                done = [a for a in repo.approvals(workflow_id) if a.status != "pending"]
                if done:
                    raise AlreadyDecided(repo.already_decided_message(done[-1].id))
                raise ActionNotAllowed(f"{workflow_id}: " + (why_not("decide", wf.state) or "no approval is pending"))
            approval_id, kind, proposed, read_version = pending.id, pending.kind, float(pending.proposed), wf.version
            read_state = wf.state
            ctx = WorkflowContext.model_validate(wf.context)
            check_idle(workflow_id, ctx)
        value_ = decided_value(kind, accept, value, reason, proposed, ctx.parameters)
        status = "accepted" if accept else "modified"
        now = self.clock()
        if kind == "order":
            assert ctx.order is not None
            ctx.order.approved = int(value_)
            ctx.order.decision = status
            ctx.order.approval_id = approval_id
            marker, next_state = new_marker("allocate", {}, now), State.ALLOCATING
            what = f"Manufacturing order {status}: {int(value_):,} units"
        else:
            marker = new_marker("markdown", {"depth": value_, "decision": status, "approval_id": approval_id,
                                             "by": by, "reason": reason}, now)
            next_state = State.IN_SEASON
            what = f"Markdown {status}: {value_:.0%}"
        check_transition(read_state, next_state)
        if not accept:
            what += f" (proposed {proposed:,.0f} units)" if kind == "order" else f" (proposed {proposed:.0%})"
        ctx.step = marker
        with self.uow.begin() as repo:
            repo.decide_approval(approval_id, status=status, decided=value_, reason=reason, by=by, at=now)
            repo.add_event(workflow_id, "approval_decided", f"{what} by {by}" + (f": {reason}" if reason else ""),
                           step="order" if kind == "order" else "markdown",
                           data={"approval_id": approval_id, "kind": kind, "status": status, "proposed": proposed,
                                 "decided": value_, "by": by, "reason": reason})
            repo.add_event(workflow_id, "started", "Clustering stores and allocating" if kind == "order"
                           else "Applying the markdown decision", step=marker.name)
            repo.save_workflow(workflow_id, read_version, state=next_state.value, context=ctx.dump())
        self._run_after(workflow_id, f"the decision ({what})")

    # ------------------------------------------------------------------ upload
    def upload(self, workflow_id: str, data: bytes, filename: str, *, replace: bool, confirm_missing_as_zero: bool,
               by: str, confirm_partial_week: bool = False, column_map: dict[str, str] | None = None) -> None:
        from core.domain.calendar import week_start as season_week_start
        from core.domain.ingest import parse_actuals
        from core.domain.partial_week import days_share

        filename = clean_filename(filename)
        by = clean_person(by)
        refuse_oversize([("actuals", data, filename)])
        with self.uow.read() as repo:
            wf = repo.workflow(workflow_id)
            # While a markdown awaits its decision a week file is queued, not refused (§3).
            gate = wf.state == State.AWAITING_MARKDOWN_APPROVAL.value
            ctx = WorkflowContext.model_validate(wf.context) if gate else context_for("upload", workflow_id, wf)
            check_idle(workflow_id, ctx)
            read_version, read_state = wf.version, wf.state
            frames = load_frames(repo, wf.dataset_id, self.db_url, category=ctx.parameters.category)
            mapping = week_file_mapping(repo, data, column_map, frames.column_map)
            held = _held_uploads(repo, workflow_id)
            active = {w: u for w, u in held.items() if not u["queued"]}
        p = ctx.parameters

        def parse(raw: bytes, name: str, confirm: bool, columns: dict[str, str] | None) -> Any:
            return parse_actuals(raw, name, season_start=p.season_start, horizon_weeks=p.horizon_weeks,
                                 known_stores=frames.store_ids, category=p.category, week_start=p.first_day,
                                 confirm_partial=confirm, mapping=columns, weekly_totals=frames.frequency == "weekly")

        up, completed = self._week_actuals(parse, data, filename, confirm_partial_week, mapping, held, frames)
        week = up.week
        start = season_week_start(p.season_start, week, p.first_day)
        span = f"{start.isoformat()}..{(start + timedelta(days=6)).isoformat()}"
        old = held.get(week)
        if old is not None and not replace and not completed:
            raise week_stored(filename, week, span, old)
        # A week ahead of a missing one is stored as queued; the engine applies it in week order.
        waits_for = next((k for k in range(1, week) if k not in active), None)
        if gate and old is not None and not old["queued"]:  # a processed week is replaced after the decision
            raise ActionNotAllowed(f"{workflow_id}: " + (why_not("upload", read_state) or "decide the markdown first"))
        queued = waits_for is not None or gate
        if up.missing_stores and not confirm_missing_as_zero:
            raise _missing_stores(filename, week, up.missing_stores, len(frames.store_ids))
        counts = {sid: int(up.by_store.get(sid, 0)) for sid in frames.store_ids}
        if not queued:
            ctx.step = new_marker("week", {"from_week": week, "replay": old is not None and not old["queued"]},
                                  self.clock())
        try:
            with self.uow.begin() as repo:
                store_upload(repo, workflow_id, read_version, ctx, week=week, span=span, old=old, up=up,
                             counts=counts, data=data, filename=filename, by=by, now=self.clock(),
                             confirmed_missing=bool(up.missing_stores and confirm_missing_as_zero),
                             plan_share=days_share(up.dates, (frames.weekday_shares or {}).get(p.category))
                             if up.partial else None, waits_for=waits_for, held_by_markdown=gate,
                             state=read_state if queued else State.IN_SEASON.value)
                if column_map:
                    remember_week_layout(repo, data, column_map)
        except (ConcurrencyConflict, IntegrityError) as exc:
            with self.uow.read() as repo:
                raise lost_upload_race(repo, workflow_id, week, span, filename, replace, exc) from None
        if not queued:
            self._run_after(workflow_id, f"week {week} ({span}) from {filename}")

    def _week_actuals(self, parse: Callable[..., Any], data: bytes, filename: str, confirm_partial_week: bool,
                      mapping: dict[str, str] | None, held: dict[int, dict[str, Any]], frames: Any) -> tuple[Any, bool]:
        """The week file's actuals, and whether they complete a stored partial week (its other days are added
        to it, not put in its place); a partial week that completes nothing is refused."""
        active = {w: u for w, u in held.items() if not u["queued"]}
        refused: PartialWeek | None = None
        try:
            up = parse(data, filename, confirm_partial_week, mapping)
        except PartialWeek as exc:
            if not (active.get(exc.week) or {}).get("missing_dates"):
                raise
            refused, up = exc, parse(data, filename, True, mapping)  # it may complete the stored part
        old = held.get(up.week)
        completed = None
        if old is not None and not old["queued"] and old["missing_dates"] and old["raw_file_id"] is not None:
            with self.uow.read() as repo:
                old_data = repo.raw_file_bytes(old["raw_file_id"])
                old_map = week_file_mapping(repo, old_data, None, frames.column_map)
            completed = completed_week(parse(old_data, old["filename"], True, old_map), up, frames.store_ids,
                                       old["filename"])
        if completed is not None:
            return completed, True
        if refused is not None:
            raise refused
        return up, False

    # ------------------------------------------------------------------ close / retry
    def close(self, workflow_id: str, by: str) -> None:
        by = clean_person(by)
        with self.uow.read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = context_for("close", workflow_id, wf)
            check_idle(workflow_id, ctx)
            read_version = wf.version
        ctx.step = new_marker("close", {"by": by}, self.clock())
        with self.uow.begin() as repo:
            repo.add_event(workflow_id, "started", f"Season closed early by {by}: writing the season report",
                           step="close", data={"by": by})
            repo.save_workflow(workflow_id, read_version, state=State.IN_SEASON.value, context=ctx.dump())
        self._run_after(workflow_id, "the request to close the season")

    def retry(self, workflow_id: str) -> None:
        with self.uow.read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = context_for("retry", workflow_id, wf)
            read_version = wf.version
        if ctx.attention is None:
            raise PlannerError(f"{workflow_id}: no failed step is recorded")
        failed = ctx.attention.step
        ctx.step = new_marker(failed.name, failed.args, self.clock())
        ctx.attention = None
        with self.uow.begin() as repo:
            repo.add_event(workflow_id, "retry", f"Retrying step {failed.name} (manual retry)", step=failed.name)
            repo.save_workflow(workflow_id, read_version, state=STEP_STATE[failed.name].value, context=ctx.dump())
        self._run_after(workflow_id, f"the retry of step {failed.name}")

    def _run_after(self, workflow_id: str, stored: str) -> None:
        """Hand the pending step to the executor. What the planner did is committed already, so a
        failure from here on (disk full, database gone) must not read as "nothing was changed"."""
        try:
            self.submit(workflow_id)
        except Exception as exc:
            from core.orchestrator.steps.results import error_text

            raise StoredButNotFinished([
                f"{workflow_id}: {stored} was stored, but the step it started did not finish: {error_text(exc)}",
                "nothing stored is lost: once the cause is fixed (free disk space, database reachable) the "
                f"step runs again on the next action, or now with `python -m core retry {workflow_id}`"]) from exc


def _held_uploads(repo: Any, workflow_id: str) -> dict[int, dict[str, Any]]:
    """The stored weeks by week number, same shape as `old` of store_upload and week_stored
    (core/orchestrator/commands/uploads.py); a queued week (stored ahead of a missing earlier one) is held,
    not active."""
    return {
        u.week: {"id": u.id, "version": u.version, "filename": u.filename, "by": u.created_by,
                 "at": aware(u.created_at), "raw_file_id": u.raw_file_id,
                 "missing_dates": u.missing_dates, "queued": u.status == "queued"}
        for u in repo.uploads(workflow_id) if u.status in ("active", "queued")}


def _missing_stores(filename: str, week: int, missing: list[str], store_count: int) -> MissingStores:
    shown = ", ".join(missing[:15]) + (f" and {len(missing) - 15} more" if len(missing) > 15 else "")
    return MissingStores([f"{filename}: {len(missing)} of {store_count} stores have no rows "
                          f"for week {week} ({shown}); confirm to count them as zero sales, or upload a "
                          "complete file"], list(missing))


def week_file_mapping(repo: Any, data: bytes, given: dict[str, str] | None,
                      dataset_map: dict[str, str] | None) -> dict[str, str] | None:
    """The column mapping a week file is read with: the one given, else the one remembered for its
    layout, else the one its data set was read with."""
    from core.domain.ingest.mapping import header_names, layout_key

    if given is not None:
        return given
    names = header_names(data)
    remembered = repo.column_mapping(layout_key("actuals", names)) if names else None
    return remembered if remembered is not None else dataset_map


def remember_week_layout(repo: Any, data: bytes, mapping: dict[str, str]) -> None:
    from core.domain.ingest.mapping import for_kind, header_names, layout_key

    names = header_names(data)
    if names:
        repo.remember_column_mapping(layout_key("actuals", names), "actuals", names, for_kind(mapping, "actuals"))
