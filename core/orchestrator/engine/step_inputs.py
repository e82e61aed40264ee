"""What a step needs, read from the database in one go, and the dispatch to the pure step.

`load_inputs` is the only database work before a step; `compute` is pure: the same StepInputs
(including `now`) always give the same StepResult, which is what makes a re-run after a crash safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.db.models import Approval
from core.db.repository import Repository
from core.domain.errors import NotFound
from core.orchestrator.steps import week as week_steps
from core.orchestrator.steps import preseason as st
from core.orchestrator.steps.context import SeasonState, StepMarker, WorkflowContext
from core.orchestrator.queries.frames import DatasetFrames, load_frames
from core.orchestrator.steps.season_end import close_step


@dataclass(frozen=True)
class StepInputs:
    workflow_id: str
    version: int
    state: str
    marker: StepMarker
    context: WorkflowContext
    frames: DatasetFrames
    now: datetime
    actuals: dict[int, dict[str, int]] = field(default_factory=dict)
    decisions: dict[int, week_steps.MarkdownDecision] = field(default_factory=dict)
    start_state: SeasonState | None = None
    partial_shares: dict[int, float] = field(default_factory=dict)  # week -> plan share of a partial week


def load_inputs(repo: Repository, workflow_id: str, db_url: str, now: datetime) -> StepInputs | None:
    """The pending step's inputs, or None when no step is pending any more."""
    wf = repo.workflow(workflow_id)
    ctx = WorkflowContext.model_validate(wf.context)
    marker = ctx.step
    if marker is None:
        return None
    # The steps read the season's category only (core/orchestrator/queries/frames.py).
    frames = load_frames(repo, wf.dataset_id, db_url, category=ctx.parameters.category)
    actuals: dict[int, dict[str, int]] = {}
    decisions: dict[int, week_steps.MarkdownDecision] = {}
    start_state: SeasonState | None = None
    partial_shares: dict[int, float] = {}
    if marker.name in ("week", "markdown"):
        actuals = repo.active_actuals(workflow_id)
        partial_shares = repo.partial_week_shares(workflow_id)
        decisions = {a.week: week_steps.MarkdownDecision(depth=_decided_depth(a), decision=a.status, approval_id=a.id,
                                                 by=a.decided_by, reason=a.reason)
                     for a in repo.approvals(workflow_id)
                     if a.kind == "markdown" and a.status != "pending" and a.week is not None}
    if marker.name == "week":
        from_week = int(marker.args["from_week"])
        if ctx.season is not None and ctx.season.weeks_done == from_week - 1:
            start_state = ctx.season
        else:
            start_state = season_state_before(repo, workflow_id, from_week)
    return StepInputs(workflow_id=workflow_id, version=wf.version, state=wf.state, marker=marker, context=ctx,
                      frames=frames, now=now, actuals=actuals, decisions=decisions, start_state=start_state,
                      partial_shares=partial_shares)


def _decided_depth(a: Approval) -> float:
    """The depth a decided (not pending) markdown approval records: every decision stores one."""
    if a.decided is None:
        raise ValueError(f"markdown approval {a.id} (week {a.week}) is {a.status} but records no depth")
    return float(a.decided)


def season_state_before(repo: Repository, workflow_id: str, week: int) -> SeasonState:
    """The in-season state after week-1 (the latest one stored: a markdown decision adds a newer one)."""
    rows = [p for p in repo.plan_revisions(workflow_id) if p.kind == "season_state" and p.after_week == week - 1]
    if not rows:
        raise NotFound(f"{workflow_id}: no stored state after week {week - 1} to re-run week {week} from")
    return SeasonState.model_validate(rows[-1].data)


def compute(inputs: StepInputs) -> st.StepResult:
    """Run the pending step: a pure function of its inputs."""
    marker, ctx, frames = inputs.marker, inputs.context, inputs.frames
    if marker.name == "forecast":
        return st.forecast_step(ctx, frames.history)
    if marker.name == "allocate":
        return st.allocate_step(ctx, frames.history, frames.stores)
    if marker.name == "week":
        assert inputs.start_state is not None
        return week_steps.week_step(ctx, inputs.start_state, int(marker.args["from_week"]), inputs.actuals,
                            inputs.decisions, frames.history, inputs.now, inputs.partial_shares)
    if marker.name == "markdown":
        a = marker.args
        decision = week_steps.MarkdownDecision(depth=float(a["depth"]), decision=a["decision"],
                                       approval_id=int(a["approval_id"]), by=a.get("by"), reason=a.get("reason"))
        return week_steps.markdown_step(ctx, decision, frames.history, inputs.actuals, inputs.decisions, inputs.now,
                                inputs.partial_shares)
    if marker.name == "close":
        return close_step(ctx, frames.history, inputs.now)
    raise ValueError(f"unknown step {marker.name!r}")
