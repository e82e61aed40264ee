"""The six phases of docs/planning-rules.md §1 and each one's status, for the sidebar and the Activity page."""

from __future__ import annotations

from core.orchestrator.steps.context import WorkflowContext
from core.orchestrator.steps.states import State
from core.orchestrator.queries.status import PHASES, Phase


def phases_of(state: str, ctx: WorkflowContext, pending_kind: str | None) -> list[Phase]:
    s = State(state)
    failed_step = ctx.attention.step.name if (s is State.NEEDS_ATTENTION and ctx.attention) else None
    running = ctx.step.name if ctx.step else None
    return [
        Phase(phase=PHASES[0], index=0, status="done", reason="parameters confirmed"),
        _preseason(s, ctx, failed_step, running),
        _season_start(s, ctx, failed_step, running),
        _in_season(s, ctx, failed_step, running),
        _markdown(s, ctx, failed_step, running, pending_kind),
        _season_end(s, ctx, failed_step, running),
    ]


def _failed(index: int, ctx: WorkflowContext) -> Phase:
    return Phase(phase=PHASES[index], index=index, status="failed", reason=ctx.attention.error if ctx.attention else "")


def _preseason(s: State, ctx: WorkflowContext, failed_step: str | None, running: str | None) -> Phase:
    if failed_step == "forecast":
        return _failed(1, ctx)
    if running == "forecast" or s is State.FORECASTING:
        return Phase(phase=PHASES[1], index=1, status="running", reason="forecasting demand")
    if s is State.AWAITING_ORDER_APPROVAL:
        return Phase(phase=PHASES[1], index=1, status="waiting", reason="manufacturing order awaits approval")
    if ctx.order is not None:
        return Phase(phase=PHASES[1], index=1, status="done",
                     reason=f"order {ctx.order.approved or ctx.order.proposed:,} units")
    return Phase(phase=PHASES[1], index=1, status="pending")


def _season_start(s: State, ctx: WorkflowContext, failed_step: str | None, running: str | None) -> Phase:
    if failed_step == "allocate":
        return _failed(2, ctx)
    if running == "allocate" or s is State.ALLOCATING:
        return Phase(phase=PHASES[2], index=2, status="running", reason="clustering and allocating")
    if ctx.allocation_initial is not None:
        return Phase(phase=PHASES[2], index=2, status="done",
                     reason=f"{len(ctx.allocation_initial.stores)} stores allocated")
    return Phase(phase=PHASES[2], index=2, status="pending")


def _in_season(s: State, ctx: WorkflowContext, failed_step: str | None, running: str | None) -> Phase:
    p, season = ctx.parameters, ctx.season
    done = season.weeks_done if season else 0
    week_reason = f"{done} of {p.horizon_weeks} weeks received"
    if p.replenishment == "none":
        week_reason += "; replenishment skipped: strategy is none"
    if failed_step == "week":
        return _failed(3, ctx)
    if running == "week":
        return Phase(phase=PHASES[3], index=3, status="running", reason=week_reason)
    if season is None:
        return Phase(phase=PHASES[3], index=3, status="pending")
    if s is State.CLOSED or done >= p.horizon_weeks:
        return Phase(phase=PHASES[3], index=3, status="done", reason=week_reason)
    return Phase(phase=PHASES[3], index=3, status="waiting", reason=f"{week_reason}; waiting for week {done + 1}")


def _markdown(
    s: State, ctx: WorkflowContext, failed_step: str | None, running: str | None, pending_kind: str | None
) -> Phase:
    p = ctx.parameters
    md = ctx.season.markdown if ctx.season else None
    if p.markdown_week is None:
        return Phase(phase=PHASES[4], index=4, status="skipped", reason="Markdown skipped: no markdown week is set")
    if failed_step == "markdown":
        return _failed(4, ctx)
    if running == "markdown":
        return Phase(phase=PHASES[4], index=4, status="running", reason="applying the markdown")
    if pending_kind == "markdown":
        return Phase(phase=PHASES[4], index=4, status="waiting", reason="markdown awaits approval")
    if md is not None and md.decision == "not_needed":
        return Phase(phase=PHASES[4], index=4, status="skipped", reason=md.proposal.reason or "no markdown needed")
    if md is not None and md.decision is not None:
        return Phase(phase=PHASES[4], index=4, status="done", reason=f"markdown {md.approved or 0:.0%} {md.decision}")
    if s is State.CLOSED:
        return Phase(phase=PHASES[4], index=4, status="skipped",
                     reason=f"season closed before the markdown week {p.markdown_week}")
    return Phase(phase=PHASES[4], index=4, status="pending", reason=f"checkpoint at week {p.markdown_week}")


def _season_end(s: State, ctx: WorkflowContext, failed_step: str | None, running: str | None) -> Phase:
    if failed_step == "close":
        return _failed(5, ctx)
    if running == "close":
        return Phase(phase=PHASES[5], index=5, status="running", reason="writing the season report")
    if s is State.CLOSED:
        return Phase(phase=PHASES[5], index=5, status="done",
                     reason="closed early" if ctx.closed_early else "all weeks received")
    return Phase(phase=PHASES[5], index=5, status="pending")
