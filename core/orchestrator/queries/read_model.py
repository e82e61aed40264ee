"""Queries: the typed documents the pages and the CLI read (docs/planning-rules.md §8). Nothing here writes.

`status_document` builds a StatusDocument from the stored workflow, its pending approval, its
explanation events and the claim on its running step; its JSON is the docs/planning-rules.md §8 contract.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from core.db.models import Workflow
from core.db.repository import Repository, UnitOfWork
from core.domain.errors import ActionNotAllowed
from core.domain.models import SeasonReport
from core.orchestrator.queries.decision_views import markdown_extra, money_view, pending_options, replenishment_extra
from core.orchestrator.steps.context import SeasonState, WorkflowContext
from core.orchestrator.queries.phases import phases_of
from core.orchestrator.steps.states import State, why_not
from core.orchestrator.queries.status import (
    AllocationRow,
    ApprovalView,
    ClusterView,
    EventView,
    ExplanationDoc,
    ForecastView,
    MoneyView,
    OrderView,
    PendingApproval,
    QueuedWeek,
    SkipView,
    StatusDocument,
    WorkflowSummary,
    aware,
)

# The status document's store and cluster rows, validated as a list in one call (10,000 stores).
_CLUSTER_ROWS = TypeAdapter(list[ClusterView])
_ALLOCATION_ROWS = TypeAdapter(list[AllocationRow])


class ReadModel:
    def __init__(self, uow: UnitOfWork):
        self.uow = uow

    def status(self, workflow_id: str) -> StatusDocument:
        with self.uow.read() as repo:
            wf = repo.workflow(workflow_id)
            ctx = WorkflowContext.model_validate(wf.context)
            return status_document(wf, ctx, repo)

    def list_workflows(self) -> list[WorkflowSummary]:
        with self.uow.read() as repo:
            out = []
            for wf in repo.workflows():
                ctx = wf.context or {}
                params = wf.parameters or {}
                season = ctx.get("season") or {}
                season_start = params.get("season_start")
                if season_start is None:
                    raise ValueError(f"{wf.id}: the stored parameters have no season_start")
                out.append(WorkflowSummary(
                    workflow_id=wf.id, category=wf.category, state=wf.state, version=wf.version,
                    season_start=season_start, horizon_weeks=params.get("horizon_weeks", 0),
                    weeks_done=int(season.get("weeks_done", 0)), dataset_id=wf.dataset_id,
                    created_at=aware(wf.created_at), updated_at=aware(wf.updated_at)))
            return out

    def pending_steps(self) -> list[str]:
        """Workflows with a pending step (running, queued or abandoned)."""
        with self.uow.read() as repo:
            return [wf.id for wf in repo.workflows() if (wf.context or {}).get("step")]

    def events(self, workflow_id: str, after_id: int = 0) -> list[EventView]:
        with self.uow.read() as repo:
            repo.workflow(workflow_id)
            return [EventView(id=e.id, ts=aware(e.ts), kind=e.kind, step=e.step, message=e.message, data=e.data or {})
                    for e in repo.events(workflow_id, after_id)]

    def approvals(self, workflow_id: str) -> list[ApprovalView]:
        with self.uow.read() as repo:
            repo.workflow(workflow_id)
            return [approval_view(a) for a in repo.approvals(workflow_id)]

    def uploads(self, workflow_id: str) -> list[dict[str, Any]]:
        with self.uow.read() as repo:
            repo.workflow(workflow_id)
            return [{"id": u.id, "week": u.week, "version": u.version, "status": u.status, "filename": u.filename,
                     "total": u.total, "missing_stores": u.missing_stores, "confirmed_missing": u.confirmed_missing,
                     "created_by": u.created_by, "created_at": aware(u.created_at),
                     "superseded_at": aware(u.superseded_at)} for u in repo.uploads(workflow_id)]

    def forecast_revisions(self, workflow_id: str) -> list[dict[str, Any]]:
        with self.uow.read() as repo:
            repo.workflow(workflow_id)
            return [{"revision": f.revision, "reason": f.reason, "after_week": f.after_week, "total": f.total,
                     "forecast": f.data, "created_at": aware(f.created_at)}
                    for f in repo.forecast_revisions(workflow_id)]

    def report(self, workflow_id: str) -> SeasonReport:
        with self.uow.read() as repo:
            wf = repo.workflow(workflow_id)
            reason = why_not("report", wf.state)
            if reason:
                raise ActionNotAllowed(f"{workflow_id}: {reason}")
            ctx = WorkflowContext.model_validate(wf.context)
        if ctx.report is None:
            from core.orchestrator.steps.season_end import CLOSED_BEFORE_THE_SEASON

            why = next((n for n in reversed(ctx.notes) if n.startswith(CLOSED_BEFORE_THE_SEASON)),
                       "closed before the season started")
            raise ActionNotAllowed(f"{workflow_id}: {why}: nothing was ordered, shipped or sold, so there is no "
                                   "season report; the timeline (events) shows what happened")
        return ctx.report


def approval_view(a: Any) -> ApprovalView:
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


def _explanations(ctx: WorkflowContext, repo: Repository, workflow_id: str) -> dict[str, ExplanationDoc]:
    """The latest explanation of each kind: explanation events (written after each step's commit),
    over any stored in the context by earlier versions."""
    out = {k: ExplanationDoc(**{**v.model_dump(mode="json")}) for k, v in ctx.explanations.items()}
    for ev in repo.explanation_events(workflow_id):
        d = ev.data or {}
        if d.get("kind") and d.get("text") is not None:
            out[str(d["kind"])] = ExplanationDoc(kind=d["kind"], text=d["text"], source=d.get("source", "template"),
                                                 at=d.get("at"), week=d.get("week"), attempts=d.get("attempts") or 0,
                                                 error=d.get("error"))
    return out


def _forecast(ctx: WorkflowContext) -> ForecastView | None:
    if ctx.forecast_original is None:
        return None
    orig = ctx.forecast_original
    cur = ctx.season.forecast if ctx.season is not None else orig
    return ForecastView.model_validate({
        "total": round(cur.total, 3), "original_total": round(orig.total, 3), "method": cur.method,
        "revision": cur.revision, "members": orig.members, "member_weekly": orig.member_weekly,
        "warnings": ctx.forecast_warnings, "backtest": orig.backtest, "weights": orig.weights,
        "weekly": [{"week": w.week, "start": w.start.isoformat(), "plan": round(w.plan, 3),
                    "original": round(o.plan, 3), "lo": round(w.lo, 3), "hi": round(w.hi, 3)}
                   for w, o in zip(cur.weeks, orig.weeks)],
    })


def _clusters_and_allocation(ctx: WorkflowContext) -> tuple[list[ClusterView], list[AllocationRow]]:
    season = ctx.season
    alloc = season.allocation if season is not None else ctx.allocation_initial
    if alloc is None:
        return [], []
    members = {c.name: c.stores for c in ctx.clusters.clusters} if ctx.clusters else {}
    info = {c.name: c for c in ctx.clusters.clusters} if ctx.clusters else {}
    clusters = [{"name": c.name, "stores": c.stores, "share": c.share, "units": c.units,
                 "store_ids": members.get(c.name, []),
                 "avg_weekly_sales": info[c.name].avg_weekly_sales if c.name in info else None,
                 "profile": info[c.name].profile if c.name in info else {}} for c in alloc.clusters]
    states = {s.store_id: s for s in season.stores} if season is not None else {}
    allocation = []
    for s in alloc.stores:
        state = states.get(s.store_id)
        shipped = state.shipped if state else s.initial
        allocation.append({"store_id": s.store_id, "cluster": s.cluster, "season_total": s.season_total,
                           "initial": s.initial, "dc_reserve": max(0, s.season_total - shipped), "shipped": shipped,
                           "sold": state.sold if state else 0})
    return _CLUSTER_ROWS.validate_python(clusters), _ALLOCATION_ROWS.validate_python(allocation)


def _season_parts(season: SeasonState | None) -> dict[str, Any]:
    if season is None:
        return {"weeks": [], "replenishment": [], "markdown": None, "store_weeks": [], "alerts": []}
    weeks = [{"week": r.week, "start": r.start.isoformat(), "actual": r.actual, "plan": r.plan,
              "original": r.original, "variance": r.variance, "variance_vs_original": r.variance_vs_original,
              "cumulative_variance": r.cumulative_variance, "reforecast": r.reforecast, "emergency": r.emergency,
              "emergency_qty": r.emergency_qty, "days_share": r.days_share, "shortfall": r.shortfall,
              **_trigger(r, season)}
             for r in season.weeks]
    replenishment = [{"week": line.week, "for_week": line.week + 1, "store_id": line.store_id, "qty": line.qty,
                      "partial": line.partial, "need": line.need, "on_hand": line.on_hand,
                      **replenishment_extra(line)}
                     for line in season.replenishment]
    markdown = None
    if season.markdown is not None:
        md = season.markdown
        markdown = {"week": md.week, "sell_through": md.proposal.sell_through, "proposed": md.proposal.depth,
                    "approved": md.approved, "decision": md.decision, "target": md.proposal.target,
                    "gap": md.proposal.gap, "reason": md.proposal.reason, "sold_to_date": md.proposal.sold_to_date,
                    "approval_id": md.approval_id, **markdown_extra(md)}
    return {"weeks": weeks, "replenishment": replenishment, "markdown": markdown,
            "store_weeks": [s.model_dump() for s in season.store_weeks],
            "alerts": [a.model_dump() for a in season.alerts]}


def status_document(wf: Workflow, ctx: WorkflowContext, repo: Repository) -> StatusDocument:
    p = ctx.parameters
    season = ctx.season
    pending = repo.pending_approval(wf.id)
    params = p.model_dump(mode="json")
    params["season_end"] = p.season_end.isoformat()
    clusters, allocation = _clusters_and_allocation(ctx)
    alloc = season.allocation if season is not None else ctx.allocation_initial
    skipped = [SkipView.model_validate(s.model_dump())
               for s in ctx.skipped + (season.skipped if season else [])]
    pending_doc = None
    if pending is not None:
        proposal: Any = int(pending.proposed) if pending.kind == "order" else pending.proposed
        pending_doc = PendingApproval.model_validate({
            "kind": pending.kind, "approval_id": pending.id, "proposal": proposal, "week": pending.week,
            "details": pending.details or {}, "requested_at": aware(pending.requested_at).isoformat(),
            "options": pending_options(pending.kind, pending.details)})
    lease = repo.lease(wf.id) if ctx.step is not None else None
    return StatusDocument(
        workflow_id=wf.id, state=State(wf.state), version=wf.version, category=wf.category, dataset_id=wf.dataset_id,
        created_at=aware(wf.created_at), updated_at=aware(wf.updated_at), parameters=params,
        forecast=_forecast(ctx),
        order=OrderView.model_validate(ctx.order.model_dump()) if ctx.order is not None else None,
        clusters=clusters, silhouette=ctx.clusters.silhouette if ctx.clusters else None, allocation=allocation,
        dc_on_hand=season.dc_on_hand if season else (alloc.dc_on_hand if alloc else None),
        weeks_done=season.weeks_done if season else 0, skipped=skipped, pending=pending_doc,
        events=repo.event_count(wf.id),
        phases=phases_of(wf.state, ctx, pending.kind if pending is not None else None),
        explanations=_explanations(ctx, repo, wf.id), **_season_parts(season),
        last_error=wf.last_error, notes=list(ctx.notes), running_step=ctx.step.name if ctx.step else None,
        running_since=aware(lease.claimed_at) if lease is not None else None,
        step_claim=_claim_state(repo, lease) if ctx.step is not None else None,
        step_heartbeat_at=aware(lease.heartbeat_at) if lease is not None else None,
        report_available=ctx.report is not None, source_text=wf.source_text,
        money=MoneyView.model_validate(money_view(ctx)), queued_weeks=queued_weeks(repo, wf.id, wf.state),
    )


def _claim_state(repo: Repository, lease: Any) -> str:
    """queued / running / stalled (StatusDocument.step_claim), judged by the database's clock like the
    leases themselves, so a skewed app clock cannot call a live step stalled."""
    if lease is None:
        return "queued"
    return "stalled" if aware(lease.expires_at) < aware(repo.db_now()) else "running"


def queued_weeks(repo: Repository, workflow_id: str, state: str) -> list[QueuedWeek]:
    """Week files stored ahead of their turn: what each waits for (an earlier week, or the markdown decision)."""
    uploads = repo.uploads(workflow_id)
    active = {u.week for u in uploads if u.status == "active"}
    out = []
    for u in uploads:
        if u.status != "queued":
            continue
        missing = next((k for k in range(1, u.week) if k not in active), None)
        out.append(QueuedWeek(week=u.week, filename=u.filename, total=u.total, uploaded_by=u.created_by,
                              uploaded_at=aware(u.created_at), waits_for=missing or u.week - 1,
                              waiting_for=f"week {missing}" if missing else
                              "the markdown decision" if state == "awaiting_markdown_approval" else "its turn"))
    return out
