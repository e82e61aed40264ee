"""The six phases of docs/planning-rules.md §1 and each one's status, for the sidebar and the Activity page."""

from __future__ import annotations

from core.orchestrator.steps.context import WorkflowContext
from core.orchestrator.steps.states import State
from core.orchestrator.queries.status import PHASES, Phase


def phases_of(state: str, ctx: WorkflowContext, pending_kind: str | None) -> list[Phase]:
    s = State(state)
    p = ctx.parameters
    season = ctx.season
    failed_step = ctx.attention.step.name if (s is State.NEEDS_ATTENTION and ctx.attention) else None
    running = ctx.step.name if ctx.step else None
    out = [Phase(phase=PHASES[0], index=0, status="done", reason="parameters confirmed")]

    # 1 pre-season
    if failed_step == "forecast":
        out.append(Phase(phase=PHASES[1], index=1, status="failed",
                         reason=ctx.attention.error if ctx.attention else ""))
    elif running == "forecast" or s is State.FORECASTING:
        out.append(Phase(phase=PHASES[1], index=1, status="running", reason="forecasting demand"))
    elif s is State.AWAITING_ORDER_APPROVAL:
        out.append(Phase(phase=PHASES[1], index=1, status="waiting", reason="manufacturing order awaits approval"))
    elif ctx.order is not None:
        out.append(Phase(phase=PHASES[1], index=1, status="done",
                         reason=f"order {ctx.order.approved or ctx.order.proposed:,} units"))
    else:
        out.append(Phase(phase=PHASES[1], index=1, status="pending"))

    # 2 season start
    if failed_step == "allocate":
        out.append(Phase(phase=PHASES[2], index=2, status="failed",
                         reason=ctx.attention.error if ctx.attention else ""))
    elif running == "allocate" or s is State.ALLOCATING:
        out.append(Phase(phase=PHASES[2], index=2, status="running", reason="clustering and allocating"))
    elif ctx.allocation_initial is not None:
        out.append(Phase(phase=PHASES[2], index=2, status="done",
                         reason=f"{len(ctx.allocation_initial.stores)} stores allocated"))
    else:
        out.append(Phase(phase=PHASES[2], index=2, status="pending"))

    # 3 in-season
    done = season.weeks_done if season else 0
    week_reason = f"{done} of {p.horizon_weeks} weeks received"
    if p.replenishment == "none":
        week_reason += "; replenishment skipped: strategy is none"
    if failed_step == "week":
        out.append(Phase(phase=PHASES[3], index=3, status="failed",
                         reason=ctx.attention.error if ctx.attention else ""))
    elif running == "week":
        out.append(Phase(phase=PHASES[3], index=3, status="running", reason=week_reason))
    elif season is None:
        out.append(Phase(phase=PHASES[3], index=3, status="pending"))
    elif s is State.CLOSED or done >= p.horizon_weeks:
        out.append(Phase(phase=PHASES[3], index=3, status="done", reason=week_reason))
    else:
        out.append(Phase(phase=PHASES[3], index=3, status="waiting",
                         reason=f"{week_reason}; waiting for week {done + 1}"))

    # 4 markdown
    md = season.markdown if season else None
    if p.markdown_week is None:
        out.append(Phase(phase=PHASES[4], index=4, status="skipped",
                         reason="Markdown skipped: no markdown week is set"))
    elif failed_step == "markdown":
        out.append(Phase(phase=PHASES[4], index=4, status="failed",
                         reason=ctx.attention.error if ctx.attention else ""))
    elif running == "markdown":
        out.append(Phase(phase=PHASES[4], index=4, status="running", reason="applying the markdown"))
    elif pending_kind == "markdown":
        out.append(Phase(phase=PHASES[4], index=4, status="waiting", reason="markdown awaits approval"))
    elif md is not None and md.decision == "not_needed":
        out.append(Phase(phase=PHASES[4], index=4, status="skipped", reason=md.proposal.reason or "no markdown needed"))
    elif md is not None and md.decision is not None:
        out.append(Phase(phase=PHASES[4], index=4, status="done",
                         reason=f"markdown {md.approved or 0:.0%} {md.decision}"))
    elif s is State.CLOSED:
        out.append(Phase(phase=PHASES[4], index=4, status="skipped",
                         reason=f"season closed before the markdown week {p.markdown_week}"))
    else:
        out.append(Phase(phase=PHASES[4], index=4, status="pending", reason=f"checkpoint at week {p.markdown_week}"))

    # 5 season end
    if failed_step == "close":
        out.append(Phase(phase=PHASES[5], index=5, status="failed",
                         reason=ctx.attention.error if ctx.attention else ""))
    elif running == "close":
        out.append(Phase(phase=PHASES[5], index=5, status="running", reason="writing the season report"))
    elif s is State.CLOSED:
        out.append(Phase(phase=PHASES[5], index=5, status="done",
                         reason="closed early" if ctx.closed_early else "all weeks received"))
    else:
        out.append(Phase(phase=PHASES[5], index=5, status="pending"))
    return out
