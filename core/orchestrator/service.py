"""PlannerService: the one API the CLI and the Streamlit pages call (docs/architecture.md).

How a change is made, every time:
  1. read the workflow (state, version, context) and check that the action is allowed;
  2. one transaction records the decision / upload and a *step marker* in the context, checking
     the version it read (UPDATE ... WHERE version = :read; 0 rows -> someone else acted first);
  3. the step runs (with retries on transient errors) on typed objects, no database inside;
  4. one transaction stores everything the step produced, clears the marker, moves the state.
A process killed between 2 and 4 leaves the marker behind; the next call on that workflow sees a
marker whose process is gone and runs that one step again. Steps are pure functions of stored data,
so running one twice gives the same result.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError

from core.config import resolve_db_url
from core.db.engine import DatabaseUnavailable, db_error, open_engine
from core.db.models import Workflow
from core.db.repository import Repository, UnitOfWork
from core.domain.errors import PlannerError
from core.domain.models import SeasonReport
from core.domain.params import ParameterError, SeasonParameters, make_parameters
from core.orchestrator import steps as st
from core.orchestrator.context import Attention, SeasonState, StepMarker, WorkflowContext
from core.orchestrator.datasets import DatasetFrames, dataset_info, import_into, load_frames
from core.orchestrator.errors import (
    ActionNotAllowed,
    AlreadyDecided,
    ConcurrencyConflict,
    MissingStores,
    NotFound,
    WeekAlreadyStored,
)
from core.orchestrator.labels import clean_filename, clean_person, clean_text
from core.orchestrator.llm_events import (
    EXTRACTIONS,
    extraction_fallback,
    extraction_fallback_event,
    step_fallback_event,
)
from core.orchestrator.retries import DEFAULT_DELAYS, is_transient, run_with_retries
from core.orchestrator.states import STEP_STATE, State, check_transition, why_not
from core.orchestrator.status import (
    ApprovalView,
    DatasetInfo,
    EventView,
    StatusDocument,
    WorkflowSummary,
    aware,
    phases_of,
)

CRASH_ENV = "SEASON_PLANNER_TEST_CRASH_AT"  # test hook: "<step>" or "<step>:<week>" -> SIGKILL mid-step
STALE_MARKER_S = 600.0  # a marker from another host older than this is treated as abandoned
DEMO_LABEL = "Built-in demo data"

# Workflows whose step is running in this process right now (a marker owned by this pid but not
# listed here belongs to an earlier, failed attempt and may be resumed).
_running_here: set[str] = set()
# Tokens of markers created by this process whose step has not finished yet: between writing the
# marker and starting the step, another thread must not mistake it for an abandoned one.
_live_tokens: set[str] = set()
_running_lock = threading.Lock()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, PlannerError):
        return "; ".join(exc.messages)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PlannerService:
    def __init__(
        self,
        db_url: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        retry_delays: Sequence[float] = DEFAULT_DELAYS,
        step_warning_s: float = 60.0,
        fault_hook: Callable[[str, dict[str, Any]], None] | None = None,
        llm_settings: Any = None,
    ):
        self.db_url = resolve_db_url(db_url)
        self.engine = open_engine(self.db_url)
        self.uow = UnitOfWork(self.engine)
        self.sleep = sleep
        self.retry_delays = tuple(retry_delays)
        self.step_warning_s = step_warning_s
        self.fault_hook = fault_hook  # tests: called before each step attempt; may raise
        # core.agents.LLMSettings for extraction and explanations; None = from the environment.
        self.llm_settings = llm_settings

    def close(self) -> None:
        self.engine.dispose()

    # ================================================================== datasets
    def ensure_demo_dataset(self) -> DatasetInfo:
        from core.demo import demo_csv_bytes

        files = demo_csv_bytes()
        history, stores = _demo_files(files)
        return self._import(history=history, history_name="demo_history.csv", stores=stores,
                            stores_name="demo_stores.csv", label=DEMO_LABEL, source="demo")

    def list_datasets(self) -> list[DatasetInfo]:
        with self._read() as repo:
            return [dataset_info(ds) for ds in repo.datasets()]

    def dataset(self, dataset_id: int) -> DatasetInfo:
        with self._read() as repo:
            return dataset_info(repo.dataset(dataset_id))

    def import_dataset(self, *, history: bytes, history_name: str, stores: bytes, stores_name: str,
                       label: str | None = None) -> DatasetInfo:
        return self._import(history=history, history_name=history_name, stores=stores, stores_name=stores_name,
                            label=label, source="upload")

    def _import(self, **kw: Any) -> DatasetInfo:
        # Names are labels: cleaned and clipped to their columns here, so that every backend
        # stores the same thing (and messages about the files show the same names).
        kw["history_name"] = clean_filename(kw["history_name"])
        kw["stores_name"] = clean_filename(kw["stores_name"])
        _refuse_oversize([("history", kw["history"], kw["history_name"]), ("stores", kw["stores"], kw["stores_name"])])
        try:
            with self._write() as repo:
                return import_into(repo, cache_key=self.db_url, **kw)
        except DBAPIError:
            # Another process imported the same files a moment ago (unique content hash): reuse it.
            from core.orchestrator.datasets import content_hash

            with self._read() as repo:
                ds = repo.dataset_by_hash(content_hash(kw["history"], kw["stores"]))
                if ds is None:
                    raise
                return dataset_info(ds)

    def dataset_frames(self, dataset_id: int) -> DatasetFrames:
        with self._read() as repo:
            return load_frames(repo, dataset_id, self.db_url)

    def extract_parameters(self, text: str, dataset_id: int | None = None) -> Any:
        from core.agents import extract_parameters

        categories: list[str] = []
        history_end = None
        if dataset_id is not None:
            info = self.dataset(dataset_id)
            categories, history_end = info.categories, info.history_end
        extraction = extract_parameters(text, categories=categories, history_end=history_end,
                                        settings=self.llm_settings)
        cleaned = clean_text(text)
        if cleaned is not None:
            EXTRACTIONS.put((self.db_url, cleaned), extraction_fallback(extraction))
        return extraction

    # ================================================================== workflows
    def start_workflow(self, params: SeasonParameters | dict, *, dataset_id: int, source_text: str | None = None,
                       by: str = "planner") -> StatusDocument:
        if isinstance(params, SeasonParameters):
            params = make_parameters(params.model_dump(exclude_none=False))
        elif isinstance(params, dict):
            params = make_parameters(params)
        else:
            raise ParameterError(f"parameters must be a SeasonParameters or a dict, not {type(params).__name__}")
        by = clean_person(by)
        source_text = clean_text(source_text)
        info = self.dataset(dataset_id)
        if params.category not in info.categories:
            raise ParameterError(f"category = {params.category!r} is not in the dataset's history: allowed "
                                 + ", ".join(repr(c) for c in info.categories))
        now = _utcnow()
        ctx = WorkflowContext(parameters=params, notes=list(params.notes), started_at=now,
                              step=self._marker("forecast", {}))
        for _ in range(20):
            wf_id = f"wf-{secrets.token_hex(3)}"
            try:
                with self._write() as repo:
                    if repo.workflow_exists(wf_id):
                        continue
                    repo.s.add(Workflow(id=wf_id, dataset_id=dataset_id, category=params.category,
                                        state=State.FORECASTING.value, version=1, parameters=params.model_dump(mode="json"),
                                        context=ctx.dump(), source_text=source_text, created_by=by,
                                        created_at=now, updated_at=now))
                    repo.s.flush()
                    repo.add_event(wf_id, "started", f"Workflow created by {by} for {params.category}, "
                                   f"{params.horizon_weeks} weeks from {params.season_start.isoformat()}",
                                   step="parameters", data={"parameters": params.model_dump(mode="json"),
                                                            "dataset_id": dataset_id})
                    for note in params.notes:
                        repo.add_event(wf_id, "note", note, step="parameters")
                    fallback = EXTRACTIONS.get((self.db_url, source_text)) if source_text else None
                    if fallback is not None:
                        ev = extraction_fallback_event(fallback)
                        repo.add_event(wf_id, ev.kind, ev.message, step=ev.step, data=ev.data)
                    repo.add_event(wf_id, "completed", "Parameters confirmed", step="parameters")
                    repo.add_event(wf_id, "started", "Forecasting demand", step="forecast")
                break
            except DBAPIError:
                if self._exists(wf_id):
                    continue  # id collision with a concurrent creator: draw another
                raise
        else:  # pragma: no cover - 20 collisions in a 16M space
            raise ActionNotAllowed("could not allocate a workflow id; try again")
        self._run_step(wf_id)
        return self.status(wf_id, resume=False)

    def list_workflows(self) -> list[WorkflowSummary]:
        with self._read() as repo:
            out = []
            for wf in repo.workflows():
                ctx = wf.context or {}
                params = wf.parameters or {}
                season = ctx.get("season") or {}
                out.append(WorkflowSummary(
                    workflow_id=wf.id, category=wf.category, state=wf.state, version=wf.version,
                    season_start=params.get("season_start"), horizon_weeks=params.get("horizon_weeks", 0),
                    weeks_done=int(season.get("weeks_done", 0)), dataset_id=wf.dataset_id,
                    created_at=aware(wf.created_at), updated_at=aware(wf.updated_at)))
            return out

    def status(self, workflow_id: str, *, resume: bool = True) -> StatusDocument:
        if resume:
            self.resume(workflow_id)
        with self._read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = WorkflowContext.model_validate(wf.context)
            pending = repo.pending_approval(workflow_id)
            return _build_status(wf, ctx, pending, repo.event_count(workflow_id))

    def events(self, workflow_id: str, after_id: int = 0) -> list[EventView]:
        with self._read() as repo:
            repo.workflow(workflow_id)
            return [EventView(id=e.id, ts=aware(e.ts), kind=e.kind, step=e.step, message=e.message, data=e.data or {})
                    for e in repo.events(workflow_id, after_id)]

    def approvals(self, workflow_id: str) -> list[ApprovalView]:
        with self._read() as repo:
            repo.workflow(workflow_id)
            return [_approval_view(a) for a in repo.approvals(workflow_id)]

    def uploads(self, workflow_id: str) -> list[dict[str, Any]]:
        with self._read() as repo:
            repo.workflow(workflow_id)
            return [{"id": u.id, "week": u.week, "version": u.version, "status": u.status, "filename": u.filename,
                     "total": u.total, "missing_stores": u.missing_stores, "confirmed_missing": u.confirmed_missing,
                     "created_by": u.created_by, "created_at": aware(u.created_at),
                     "superseded_at": aware(u.superseded_at)} for u in repo.uploads(workflow_id)]

    def forecast_revisions(self, workflow_id: str) -> list[dict[str, Any]]:
        with self._read() as repo:
            repo.workflow(workflow_id)
            return [{"revision": f.revision, "reason": f.reason, "after_week": f.after_week, "total": f.total,
                     "forecast": f.data, "created_at": aware(f.created_at)} for f in repo.forecast_revisions(workflow_id)]

    def report(self, workflow_id: str) -> SeasonReport:
        with self._read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = _context_for("report", workflow_id, wf)
        assert ctx.report is not None
        return ctx.report

    # ================================================================== decisions
    def decide(self, workflow_id: str, *, accept: bool, value: float | None = None, reason: str | None = None,
               by: str = "planner", expected_approval_id: int | None = None) -> StatusDocument:
        self.resume(workflow_id)
        by = clean_person(by)
        reason = clean_text(reason) if isinstance(reason, str) else None
        with self._read() as repo:
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
            _check_idle(workflow_id, ctx)
        decided_value = self._decided_value(kind, accept, value, reason, proposed, ctx.parameters)
        status = "accepted" if accept else "modified"
        if kind == "order":
            assert ctx.order is not None
            ctx.order.approved = int(decided_value)
            ctx.order.decision = status
            ctx.order.approval_id = approval_id
            marker = self._marker("allocate", {})
            next_state = State.ALLOCATING
            what = f"Manufacturing order {status}: {int(decided_value):,} units"
        else:
            marker = self._marker("markdown", {"depth": decided_value, "decision": status, "approval_id": approval_id,
                                               "by": by, "reason": reason})
            next_state = State.IN_SEASON
            what = f"Markdown {status}: {decided_value:.0%}"
        check_transition(read_state, next_state)
        if not accept:
            what += f" (proposed {proposed:,.0f} units)" if kind == "order" else f" (proposed {proposed:.0%})"
        ctx.step = marker
        with self._write() as repo:
            repo.decide_approval(approval_id, status=status, decided=decided_value, reason=reason, by=by, at=_utcnow())
            repo.add_event(workflow_id, "approval_decided", f"{what} by {by}" + (f": {reason}" if reason else ""),
                           step="order" if kind == "order" else "markdown",
                           data={"approval_id": approval_id, "kind": kind, "status": status, "proposed": proposed,
                                 "decided": decided_value, "by": by, "reason": reason})
            repo.add_event(workflow_id, "started", "Clustering stores and allocating" if kind == "order"
                           else "Applying the markdown decision", step=marker.name)
            repo.save_workflow(workflow_id, read_version, state=next_state.value, context=ctx.dump())
        self._run_step(workflow_id)
        return self.status(workflow_id, resume=False)

    @staticmethod
    def _decided_value(kind: str, accept: bool, value: float | None, reason: str | None, proposed: float,
                       params: SeasonParameters) -> float:
        if accept:
            if value is not None and float(value) != proposed:
                raise ParameterError(f"accept takes the proposed value {proposed:g}; to change it, modify with a "
                                     "value and a reason")
            return proposed
        problems: list[str] = []
        if value is None:
            problems.append(f"modify needs a value: the new {'order quantity' if kind == 'order' else 'markdown depth'}")
        if reason is None:
            problems.append("modify needs a reason (why the proposal is changed)")
        if value is not None:
            v = float(value)
            if kind == "order" and (v != v or v <= 0 or v != int(v)):
                problems.append(f"order quantity = {value!r} is not allowed: a whole number of units > 0")
            if kind == "markdown" and not (0.0 <= v <= params.markdown_cap):
                problems.append(f"markdown depth = {value!r} is out of range: allowed [0, {params.markdown_cap:g}] "
                                f"(markdown_cap; 0.2 = 20%)")
        if problems:
            raise ParameterError(problems)
        return float(int(float(value))) if kind == "order" else round(float(value), 6)  # type: ignore[arg-type]

    # ================================================================== weekly actuals
    def upload_actuals(self, workflow_id: str, data: bytes, filename: str, *, replace: bool = False,
                       confirm_missing_as_zero: bool = False, by: str = "planner") -> StatusDocument:
        from core.domain.calendar import week_start as week_monday
        from core.domain.ingest import parse_actuals

        filename = clean_filename(filename)
        by = clean_person(by)
        _refuse_oversize([("actuals", data, filename)])
        self.resume(workflow_id)
        with self._read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = _context_for("upload", workflow_id, wf)
            _check_idle(workflow_id, ctx)
            read_version = wf.version
            frames = load_frames(repo, wf.dataset_id, self.db_url)
            active = {u.week: {"id": u.id, "version": u.version, "filename": u.filename, "by": u.created_by,
                               "at": aware(u.created_at)} for u in repo.uploads(workflow_id) if u.status == "active"}
        p = ctx.parameters
        up = parse_actuals(data, filename, season_start=p.season_start, horizon_weeks=p.horizon_weeks,
                           known_stores=frames.store_ids, category=p.category)
        week = up.week
        start = week_monday(p.season_start, week)
        span = f"{start.isoformat()}..{(start + timedelta(days=6)).isoformat()}"
        old = active.get(week)
        if old is not None and not replace:
            raise _week_stored(filename, week, span, old)
        missing_weeks = [k for k in range(1, week) if k not in active]
        if missing_weeks:
            raise ActionNotAllowed(
                f"{filename} holds week {week} ({span}) but week {missing_weeks[0]} has not been uploaded yet "
                f"(weeks stored: {', '.join(map(str, sorted(active))) or 'none'}); weeks are processed in order, "
                f"so upload week {missing_weeks[0]} first")
        if up.missing_stores and not confirm_missing_as_zero:
            shown = ", ".join(up.missing_stores[:15]) + (f" and {len(up.missing_stores) - 15} more"
                                                        if len(up.missing_stores) > 15 else "")
            raise MissingStores([f"{filename}: {len(up.missing_stores)} of {len(frames.store_ids)} stores have no rows "
                                 f"for week {week} ({shown}); confirm to count them as zero sales, or upload a "
                                 "complete file"], list(up.missing_stores))
        counts = {sid: int(up.by_store.get(sid, 0)) for sid in frames.store_ids}
        replay = old is not None
        ctx.step = self._marker("week", {"from_week": week, "replay": replay})
        try:
            self._store_upload(workflow_id, read_version, ctx, week=week, span=span, old=old, up=up, counts=counts,
                               data=data, filename=filename, by=by, replay=replay,
                               confirmed_missing=bool(up.missing_stores and confirm_missing_as_zero))
        except (ConcurrencyConflict, IntegrityError) as exc:
            raise self._lost_upload_race(workflow_id, week, span, filename, replace, exc) from None
        self._run_step(workflow_id)
        return self.status(workflow_id, resume=False)

    def _store_upload(self, workflow_id: str, read_version: int, ctx: WorkflowContext, *, week: int, span: str,
                      old: dict[str, Any] | None, up: Any, counts: dict[str, int], data: bytes, filename: str,
                      by: str, replay: bool, confirmed_missing: bool) -> None:
        with self._write() as repo:
            # The version check comes first: on PostgreSQL the conditional UPDATE takes the workflow's
            # row lock, so a concurrent upload waits here and then finds the version moved on, instead
            # of computing the same next upload version and colliding on the unique index.
            repo.save_workflow(workflow_id, read_version, state=State.IN_SEASON.value, context=ctx.dump())
            raw_id = repo.add_raw_file("actuals", filename, data)
            if old is not None:
                repo.supersede(old["id"])
            version = repo.next_upload_version(workflow_id, week)
            upload_id = repo.add_upload(workflow_id=workflow_id, week=week, version=version, status="active",
                                        filename=filename, raw_file_id=raw_id, total=int(up.total),
                                        missing_stores=list(up.missing_stores), warnings=list(up.warnings),
                                        confirmed_missing=confirmed_missing,
                                        created_by=by, created_at=_utcnow())
            repo.add_actual_rows([{"upload_id": upload_id, "workflow_id": workflow_id, "week": week,
                                   "store_id": sid, "quantity": q} for sid, q in counts.items()])
            msg = (f"Week {week} ({span}) actuals stored from {filename}: {int(up.total):,} units"
                   + (f", replacing version {old['version']}" if old is not None else ""))
            repo.add_event(workflow_id, "upload", msg, step="week",
                           data={"week": week, "version": version, "total": int(up.total), "filename": filename,
                                 "warnings": list(up.warnings), "missing_stores": list(up.missing_stores),
                                 "replaced": old["version"] if old is not None else None, "by": by})
            for w in up.warnings:
                repo.add_event(workflow_id, "warning", w, step="week", data={"week": week})
            repo.add_event(workflow_id, "started", f"Processing week {week}" +
                           (" and re-running the later weeks" if replay else ""), step="week")

    def _lost_upload_race(self, workflow_id: str, week: int, span: str, filename: str, replace: bool,
                          exc: BaseException) -> PlannerError:
        """Another action was saved between this upload's read and its write (nothing of this upload
        was kept): say the week is stored when that is what happened, else ask for a reload."""
        with self._read() as repo:
            now_active = repo.active_upload(workflow_id, week)
            if now_active is not None and not replace:
                return _week_stored(filename, week, span, {"filename": now_active.filename,
                                                           "by": now_active.created_by,
                                                           "at": aware(now_active.created_at)})
        if isinstance(exc, ConcurrencyConflict):
            return exc
        return ConcurrencyConflict(f"workflow {workflow_id} changed while this action ran (another upload of week "
                                   f"{week} was saved first); nothing of {filename} was stored: reload and try again")

    # ================================================================== season end / retry
    def close_season(self, workflow_id: str, by: str = "planner") -> StatusDocument:
        by = clean_person(by)
        self.resume(workflow_id)
        with self._read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = _context_for("close", workflow_id, wf)
            _check_idle(workflow_id, ctx)
            read_version = wf.version
        ctx.step = self._marker("close", {"by": by})
        with self._write() as repo:
            repo.add_event(workflow_id, "started", f"Season closed early by {by}: writing the season report",
                           step="close", data={"by": by})
            repo.save_workflow(workflow_id, read_version, state=State.IN_SEASON.value, context=ctx.dump())
        self._run_step(workflow_id)
        return self.status(workflow_id, resume=False)

    def retry(self, workflow_id: str) -> StatusDocument:
        with self._read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = _context_for("retry", workflow_id, wf)
            read_version = wf.version
        assert ctx.attention is not None
        failed = ctx.attention.step
        ctx.step = self._marker(failed.name, failed.args)
        ctx.attention = None
        with self._write() as repo:
            repo.add_event(workflow_id, "retry", f"Retrying step {failed.name} (manual retry)", step=failed.name)
            repo.save_workflow(workflow_id, read_version, state=STEP_STATE[failed.name].value, context=ctx.dump())
        self._run_step(workflow_id)
        return self.status(workflow_id, resume=False)

    def resume(self, workflow_id: str) -> bool:
        """Run a step left behind by a process that died mid-step. True when one was resumed."""
        with self._read() as repo:
            wf = repo.workflow(workflow_id)
            marker = (wf.context or {}).get("step")
            if not marker:
                return False
            m = StepMarker.model_validate(marker)
        if not self._abandoned(workflow_id, m):
            return False
        with self._write() as repo:
            repo.add_event(workflow_id, "resumed", f"Step {m.name} was interrupted (process {m.pid} on {m.host} "
                           "stopped); running it again", step=m.name, data={"pid": m.pid, "host": m.host})
        self._run_step(workflow_id)
        return True

    def resume_all(self) -> list[str]:
        """Resume every workflow with an abandoned step (e.g. at app start-up)."""
        resumed = []
        for summary in self.list_workflows():
            if summary.state in (State.FORECASTING, State.ALLOCATING, State.IN_SEASON) and self.resume(summary.workflow_id):
                resumed.append(summary.workflow_id)
        return resumed

    # ================================================================== the step engine
    @staticmethod
    def _marker(name: str, args: dict[str, Any]) -> StepMarker:
        token = secrets.token_hex(8)
        with _running_lock:
            _live_tokens.add(token)
        return StepMarker(name=name, args=args, started_at=_utcnow(), pid=os.getpid(), host=socket.gethostname(),
                          token=token)

    @staticmethod
    def _abandoned(workflow_id: str, m: StepMarker) -> bool:
        if m.host != socket.gethostname():
            return (_utcnow() - aware(m.started_at)).total_seconds() > STALE_MARKER_S  # type: ignore[operator]
        if m.pid == os.getpid():
            with _running_lock:
                return workflow_id not in _running_here and m.token not in _live_tokens
        return not _pid_alive(m.pid)

    def _run_step(self, workflow_id: str) -> None:
        with _running_lock:
            if workflow_id in _running_here:
                return
            _running_here.add(workflow_id)
        marker_name = "?"
        token: str | None = None
        timer: threading.Timer | None = None
        attempts = 0
        try:
            with self._read() as repo:
                wf = repo.workflow(workflow_id)
                if not (wf.context or {}).get("step"):
                    return
                marker_name = wf.context["step"]["name"]
                token = wf.context["step"].get("token")
            timer = threading.Timer(self.step_warning_s, self._slow_warning, args=(workflow_id, marker_name))
            timer.daemon = True
            timer.start()
            t0 = time.perf_counter()

            def attempt() -> None:
                nonlocal attempts
                attempts += 1
                self._attempt(workflow_id, t0)

            def on_retry(n: int, delay: float, exc: BaseException) -> None:
                self._quiet_event(workflow_id, "retry", f"Step {marker_name} failed ({_error_text(exc)}); retry {n} of "
                                  f"{len(self.retry_delays)} in {delay:g} s", marker_name,
                                  {"attempt": n, "delay_s": delay, "error": _error_text(exc)})

            run_with_retries(attempt, delays=self.retry_delays, sleep=self.sleep, on_retry=on_retry)
        except ConcurrencyConflict:
            with self._read() as repo:
                if (repo.workflow(workflow_id).context or {}).get("step"):
                    raise
            # another process finished this very step first: nothing left to do
        except Exception as exc:  # the step failed for good: keep the error, offer retry
            if isinstance(exc, DatabaseUnavailable):
                raise
            self._fail(workflow_id, exc, attempts)
        finally:
            if timer is not None:
                timer.cancel()
            with _running_lock:
                _running_here.discard(workflow_id)
                if token:
                    _live_tokens.discard(token)

    def _attempt(self, workflow_id: str, t0: float) -> None:
        with self._read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = WorkflowContext.model_validate(wf.context)
            version = wf.version
            read_state = wf.state
            marker = ctx.step
            if marker is None:
                return
            frames = load_frames(repo, wf.dataset_id, self.db_url)
            actuals: dict[int, dict[str, int]] = {}
            start_state: SeasonState | None = None
            decisions: dict[int, st.MarkdownDecision] = {}
            if marker.name in ("week", "markdown"):
                actuals = repo.active_actuals(workflow_id)
                decisions = {a.week: st.MarkdownDecision(depth=float(a.decided), decision=a.status, approval_id=a.id,
                                                         by=a.decided_by, reason=a.reason)
                             for a in repo.approvals(workflow_id)
                             if a.kind == "markdown" and a.status != "pending" and a.week is not None}
            if marker.name == "week":
                from_week = int(marker.args["from_week"])
                if ctx.season is not None and ctx.season.weeks_done == from_week - 1:
                    start_state = ctx.season
                else:
                    start_state = _season_state_before(repo, workflow_id, from_week)
        if self.fault_hook is not None:
            self.fault_hook(marker.name, dict(marker.args))
        llm = st.LLM_SETTINGS.set(self.llm_settings)
        try:
            result = self._compute(marker, ctx, frames, start_state, actuals, decisions)
        finally:
            st.LLM_SETTINGS.reset(llm)
        check_transition(read_state, result.state)
        _maybe_crash(marker)
        self._commit(workflow_id, version, marker, result, time.perf_counter() - t0)

    @staticmethod
    def _compute(marker: StepMarker, ctx: WorkflowContext, frames: DatasetFrames, start_state: SeasonState | None,
                 actuals: dict[int, dict[str, int]], decisions: dict[int, st.MarkdownDecision]) -> st.StepResult:
        if marker.name == "forecast":
            result = st.forecast_step(ctx, frames.history)
        elif marker.name == "allocate":
            result = st.allocate_step(ctx, frames.history, frames.stores)
        elif marker.name == "week":
            assert start_state is not None
            result = st.week_step(ctx, start_state, int(marker.args["from_week"]), actuals, decisions, frames.history)
        elif marker.name == "markdown":
            a = marker.args
            decision = st.MarkdownDecision(depth=float(a["depth"]), decision=a["decision"],
                                           approval_id=int(a["approval_id"]), by=a.get("by"), reason=a.get("reason"))
            result = st.markdown_step(ctx, decision, frames.history, actuals, decisions)
        elif marker.name == "close":
            result = st.close_step(ctx, frames.history)
        else:  # pragma: no cover
            raise ValueError(f"unknown step {marker.name!r}")
        return result

    def _commit(self, workflow_id: str, version: int, marker: StepMarker, result: st.StepResult,
                elapsed: float) -> None:
        ctx = result.context
        ctx.step = None
        ctx.attention = None
        ctx.step_seconds[marker.name] = round(elapsed, 4)
        with self._write() as repo:
            if result.approval is not None:
                a = result.approval
                approval_id = repo.add_approval(workflow_id, a.kind, a.proposed, week=a.week, details=a.details)
                if a.kind == "order" and ctx.order is not None:
                    ctx.order.approval_id = approval_id
                elif a.kind == "markdown" and ctx.season is not None and ctx.season.markdown is not None:
                    ctx.season.markdown.approval_id = approval_id
            for rev, reason, week, fc in result.forecasts:
                repo.add_forecast_revision(workflow_id, rev, reason, week, fc.total, fc.model_dump(mode="json"))
            for kind, rev, week, data in result.plans:
                repo.add_plan_revision(workflow_id, kind, rev, week, data)
            for ev in result.events:
                repo.add_event(workflow_id, ev.kind, ev.message, step=ev.step, data=ev.data)
            fallback = step_fallback_event(result.events, marker.name)
            if fallback is not None:
                repo.add_event(workflow_id, fallback.kind, fallback.message, step=fallback.step, data=fallback.data)
            repo.add_event(workflow_id, "step_done", f"Step {marker.name} done in {elapsed:.2f} s", step=marker.name,
                           data={"seconds": round(elapsed, 4), "state": result.state.value})
            repo.save_workflow(workflow_id, version, state=result.state.value, context=ctx.dump())

    def _fail(self, workflow_id: str, exc: BaseException, attempts: int) -> None:
        text = _error_text(exc)
        for _ in range(3):
            with self._read() as repo:
                wf = repo.workflow(workflow_id)
                ctx = WorkflowContext.model_validate(wf.context)
                version = wf.version
            if ctx.step is None:
                return
            failed = ctx.step
            ctx.attention = Attention(step=failed, error=text, error_type=type(exc).__name__, failed_at=_utcnow(),
                                      attempts=attempts)
            ctx.step = None
            tries = f" after {attempts} attempts" if attempts > 1 else ""
            try:
                with self._write() as repo:
                    repo.add_event(workflow_id, "error", f"Step {failed.name} failed{tries}: {text}", step=failed.name,
                                   data={"error": text, "type": type(exc).__name__, "attempts": attempts,
                                         "transient": is_transient(exc)})
                    repo.save_workflow(workflow_id, version, state=State.NEEDS_ATTENTION.value, context=ctx.dump(),
                                       last_error=f"{failed.name}: {text}")
                return
            except ConcurrencyConflict:
                continue

    def _slow_warning(self, workflow_id: str, step: str) -> None:
        self._quiet_event(workflow_id, "warning", f"Step {step} has been running for more than "
                          f"{self.step_warning_s:g} s", step, {"threshold_s": self.step_warning_s, "slow": True})

    def _quiet_event(self, workflow_id: str, kind: str, message: str, step: str | None, data: dict[str, Any]) -> None:
        """Events written outside a transition (retry notices, slow-step warnings); best effort."""
        try:
            with self._write() as repo:
                repo.add_event(workflow_id, kind, message, step=step, data=data)
        except Exception:  # the step's own outcome is what matters; a lost notice is not fatal
            pass

    # ================================================================== plumbing
    def _read(self):  # type: ignore[no-untyped-def]
        return _guard(self.uow.read(), self.db_url)

    def _write(self):  # type: ignore[no-untyped-def]
        return _guard(self.uow.begin(), self.db_url)

    def _exists(self, workflow_id: str) -> bool:
        with self._read() as repo:
            return repo.workflow_exists(workflow_id)


class _guard:
    """Turns database failures a user can act on (corrupt / locked / unreachable) into PlannerErrors."""

    def __init__(self, cm: Any, url: str):
        self.cm = cm
        self.url = url

    def __enter__(self) -> Repository:
        try:
            return self.cm.__enter__()
        except DBAPIError as exc:
            raise db_error(self.url, exc) from None

    def __exit__(self, et: Any, ev: Any, tb: Any) -> bool:
        try:
            suppressed = self.cm.__exit__(et, ev, tb)
        except DBAPIError as exc:
            if _integrity(exc):  # a lost race on a unique key: the caller re-reads and decides
                raise
            raise db_error(self.url, exc) from None
        if et is not None and issubclass(et, DBAPIError) and not _integrity(ev):
            raise db_error(self.url, ev) from None
        return bool(suppressed)


def _integrity(exc: BaseException | None) -> bool:
    from sqlalchemy.exc import IntegrityError

    return isinstance(exc, IntegrityError)


def _refuse_oversize(files: list[tuple[str, Any, str]]) -> None:
    """Files over ingestion's size limit are refused before any database work or hashing. The
    parser is what refuses them (its size check comes first), so the message is ingestion's own."""
    from datetime import date

    from core.domain.errors import IngestError
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


def _week_stored(filename: str, week: int, span: str, old: dict[str, Any]) -> WeekAlreadyStored:
    return WeekAlreadyStored(
        [f"{filename}: week {week} ({span}) is already stored (from {old['filename']}, uploaded by "
         f"{old['by']} at {old['at'].isoformat(timespec='seconds')}); upload it again with "
         "replace to supersede it (the old version is kept in the history)"], week)


def _context_for(action: str, workflow_id: str, wf: Any) -> WorkflowContext:
    """The workflow's context, or ActionNotAllowed saying why `action` is not allowed in its state."""
    reason = why_not(action, wf.state)
    if reason:
        raise ActionNotAllowed(f"{workflow_id}: {reason}")
    return WorkflowContext.model_validate(wf.context)


def _check_idle(workflow_id: str, ctx: WorkflowContext) -> None:
    """A marker that survived resume() belongs to a live process still running that step."""
    if ctx.step is not None:
        raise ActionNotAllowed(f"{workflow_id}: step {ctx.step.name} is running right now (started "
                               f"{aware(ctx.step.started_at).isoformat(timespec='seconds')}); try again in a moment")


def _maybe_crash(marker: StepMarker) -> None:
    target = os.environ.get(CRASH_ENV)
    if not target:
        return
    here = {marker.name, f"{marker.name}:{marker.args.get('from_week', '')}"}
    if target in here:
        os.kill(os.getpid(), signal.SIGKILL)


def _season_state_before(repo: Repository, workflow_id: str, week: int) -> SeasonState:
    """The in-season state after week-1 (the latest one stored: a markdown decision adds a newer one)."""
    rows = [p for p in repo.plan_revisions(workflow_id) if p.kind == "season_state" and p.after_week == week - 1]
    if not rows:
        raise NotFound(f"{workflow_id}: no stored state after week {week - 1} to re-run week {week} from")
    return SeasonState.model_validate(rows[-1].data)


def _demo_files(files: Any) -> tuple[bytes, bytes]:
    if isinstance(files, dict):
        keys = {k.lower(): k for k in files}
        h = next(files[keys[k]] for k in keys if "history" in k)
        s = next(files[keys[k]] for k in keys if "store" in k)
        return h, s
    history, stores = files[0], files[1]
    return history, stores


def _approval_view(a: Any) -> ApprovalView:
    return ApprovalView(id=a.id, kind=a.kind, week=a.week, status=a.status, proposed=a.proposed, decided=a.decided,
                        reason=a.reason, requested_at=aware(a.requested_at), decided_by=a.decided_by,
                        decided_at=aware(a.decided_at), details=a.details or {})


def _trigger(record: Any, season: SeasonState) -> dict[str, Any]:
    """Whether the week's variance tripped the threshold and what came of it."""
    above = record.reforecast or record.week in season.above_threshold_weeks
    if record.reforecast:
        trigger = "above threshold; remaining weeks re-forecast"
    elif above:
        trigger = "above threshold; no weeks left to re-forecast"
    else:
        trigger = None
    return {"above_threshold": above, "trigger": trigger}


def _build_status(wf: Workflow, ctx: WorkflowContext, pending: Any, n_events: int) -> StatusDocument:
    p = ctx.parameters
    season = ctx.season
    params = p.model_dump(mode="json")
    params["season_end"] = p.season_end.isoformat()
    forecast = None
    if ctx.forecast_original is not None:
        orig = ctx.forecast_original
        cur = season.forecast if season is not None else orig
        forecast = {
            "total": round(cur.total, 3), "original_total": round(orig.total, 3), "method": cur.method,
            "revision": cur.revision, "members": orig.members, "member_weekly": orig.member_weekly,
            "warnings": ctx.forecast_warnings, "backtest": orig.backtest,
            "weekly": [{"week": w.week, "start": w.start.isoformat(), "plan": round(w.plan, 3),
                        "original": round(o.plan, 3), "lo": round(w.lo, 3), "hi": round(w.hi, 3)}
                       for w, o in zip(cur.weeks, orig.weeks)],
        }
    order = ctx.order.model_dump() if ctx.order is not None else None
    alloc = season.allocation if season is not None else ctx.allocation_initial
    clusters: list[dict[str, Any]] = []
    if alloc is not None:
        members = {c.name: c.stores for c in ctx.clusters.clusters} if ctx.clusters else {}
        info = {c.name: c for c in ctx.clusters.clusters} if ctx.clusters else {}
        clusters = [{"name": c.name, "stores": c.stores, "share": c.share, "units": c.units,
                     "store_ids": members.get(c.name, []),
                     "avg_weekly_sales": info[c.name].avg_weekly_sales if c.name in info else None,
                     "profile": info[c.name].profile if c.name in info else {}} for c in alloc.clusters]
    allocation: list[dict[str, Any]] = []
    if alloc is not None:
        states = {s.store_id: s for s in season.stores} if season is not None else {}
        for s in alloc.stores:
            state = states.get(s.store_id)
            shipped = state.shipped if state else s.initial
            allocation.append({"store_id": s.store_id, "cluster": s.cluster, "season_total": s.season_total,
                               "initial": s.initial, "dc_reserve": s.season_total - shipped, "shipped": shipped,
                               "sold": state.sold if state else 0})
    weeks = [{"week": r.week, "start": r.start.isoformat(), "actual": r.actual, "plan": r.plan,
              "original": r.original, "variance": r.variance, "variance_vs_original": r.variance_vs_original,
              "cumulative_variance": r.cumulative_variance, "reforecast": r.reforecast, "emergency": r.emergency,
              "emergency_qty": r.emergency_qty, **_trigger(r, season)} for r in (season.weeks if season else [])]
    replenishment = [{"week": l.week, "for_week": l.week + 1, "store_id": l.store_id, "qty": l.qty,
                      "partial": l.partial, "need": l.need, "on_hand": l.on_hand}
                     for l in (season.replenishment if season else [])]
    markdown = None
    if season is not None and season.markdown is not None:
        md = season.markdown
        markdown = {"week": md.week, "sell_through": md.proposal.sell_through, "proposed": md.proposal.depth,
                    "approved": md.approved, "decision": md.decision, "target": md.proposal.target,
                    "gap": md.proposal.gap, "reason": md.proposal.reason, "sold_to_date": md.proposal.sold_to_date,
                    "approval_id": md.approval_id}
    skipped = [s.model_dump() for s in ctx.skipped] + ([s.model_dump() for s in season.skipped] if season else [])
    pending_doc = None
    if pending is not None:
        proposal: Any = int(pending.proposed) if pending.kind == "order" else pending.proposed
        pending_doc = {"kind": pending.kind, "approval_id": pending.id, "proposal": proposal, "week": pending.week,
                       "details": pending.details or {}, "requested_at": aware(pending.requested_at).isoformat()}
    return StatusDocument(
        workflow_id=wf.id, state=wf.state, version=wf.version, category=wf.category, dataset_id=wf.dataset_id,
        created_at=aware(wf.created_at), updated_at=aware(wf.updated_at), parameters=params, forecast=forecast,
        order=order, clusters=clusters, silhouette=ctx.clusters.silhouette if ctx.clusters else None,
        allocation=allocation, dc_on_hand=season.dc_on_hand if season else (alloc.dc_on_hand if alloc else None),
        weeks=weeks, weeks_done=season.weeks_done if season else 0, replenishment=replenishment, markdown=markdown,
        skipped=skipped, pending=pending_doc, events=n_events,
        phases=phases_of(wf.state, ctx, pending.kind if pending is not None else None),
        explanations={k: v.model_dump(mode="json") for k, v in ctx.explanations.items()},
        store_weeks=[s.model_dump() for s in season.store_weeks] if season else [],
        alerts=[a.model_dump() for a in season.alerts] if season else [],
        last_error=wf.last_error, notes=list(ctx.notes), running_step=ctx.step.name if ctx.step else None,
        report_available=ctx.report is not None, source_text=wf.source_text,
    )
