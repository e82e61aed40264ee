"""Phase 5, season end (docs/planning-rules.md §4.9): the report inputs from the season's state, and closing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from core.orchestrator.steps.context import SeasonState, WorkflowContext
from core.orchestrator.steps.states import State
from core.orchestrator.steps.results import EventSpec, StepResult, _with_explanation


def store_weeks(ctx: WorkflowContext, season: SeasonState, n: int) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Each store's weeks 1..n as recorded: units sold, and units received for each week (the initial
    shipment in week 1, a replenishment planned after week k in week k+1)."""
    sold: dict[str, list[int]] = {s.store_id: [0] * n for s in season.stores}
    for sw in season.store_weeks:
        if sw.store_id in sold and sw.week <= n:
            sold[sw.store_id][sw.week - 1] = sw.actual
    initial = {s.store_id: s.initial for s in (ctx.allocation_initial.stores if ctx.allocation_initial else [])}
    shipped: dict[str, list[int]] = {sid: [0] * n for sid in sold}
    for sid in shipped:
        if n:
            shipped[sid][0] = initial.get(sid, 0)
    for line in season.replenishment:
        if line.week < n and line.store_id in shipped:
            shipped[line.store_id][line.week] += line.qty  # planned after week k, received in week k+1
    return sold, shipped


def weekly_arrays(ctx: WorkflowContext, season: SeasonState, week: int, by_store: dict[str, int] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Each store's sales and receipts of weeks 1..week (S, week), in the allocation's store order, as
    the week rule reads stockouts (docs/planning-rules.md §4.7); `by_store`: this week's sales when they
    are not in `season.store_weeks` yet."""
    ids = [a.store_id for a in season.allocation.stores]
    sold, received = store_weeks(ctx, season, week)
    sold_arr = np.array([sold.get(i, [0] * week) for i in ids], dtype=np.int64).reshape(len(ids), week)
    if by_store is not None:
        sold_arr[:, week - 1] = [int(by_store.get(i, 0)) for i in ids]
    recv_arr = np.array([received.get(i, [0] * week) for i in ids], dtype=np.int64).reshape(len(ids), week)
    return sold_arr, recv_arr


def report_inputs(ctx: WorkflowContext, history: Any, early: bool, now: datetime) -> Any:
    from core.domain.report import SeasonInputs, unit_price

    p = ctx.parameters
    season = ctx.season
    assert season is not None and ctx.forecast_original is not None and ctx.order is not None
    n = season.weeks_done
    h = p.horizon_weeks
    observed_plans = [r.plan for r in season.weeks]
    final_plan = observed_plans + [w.plan for w in season.forecast.weeks[n:h]]
    sold, shipped = store_weeks(ctx, season, n)
    md = season.markdown
    decisions = [ctx.order.decision] + ([md.decision] if md and md.decision in ("accepted", "modified") else [])
    started = ctx.started_at or now
    return SeasonInputs(
        params=p, original_weekly=[w.plan for w in ctx.forecast_original.weeks], final_plan_weekly=final_plan,
        actual_weekly=[float(x) for x in season.week_totals], store_sold=sold, store_shipped=shipped,
        approved_qty=int(ctx.order.approved or ctx.order.proposed),
        markdown_depth=float(md.approved or 0.0) if md else 0.0, markdown_week=md.week if md else None,
        markdown_proposed=float(md.proposal.depth) if md else None,
        unit_price=unit_price(history, p.category), dc_on_hand=season.dc_on_hand,
        approvals_accepted=sum(1 for d in decisions if d == "accepted"),
        approvals_modified=sum(1 for d in decisions if d == "modified"),
        reforecast_weeks=list(season.reforecast_weeks),
        runtime_s=round((now - started).total_seconds(), 3), closed_early=early,
    )


def close_into(ctx: WorkflowContext, history: Any, result: StepResult, *, early: bool, now: datetime) -> None:
    from core.domain.report import season_report

    report = season_report(report_inputs(ctx, history, early, now))
    ctx.report = report
    ctx.closed_early = early
    ctx.closed_at = now
    n = ctx.season.weeks_done if ctx.season else 0
    ev = EventSpec("closed", ("Season closed early" if early else "Season closed") +
                   f" after {n} of {ctx.parameters.horizon_weeks} weeks: sell-through {report.sell_through:.1%}, "
                   f"WAPE {_pct(report.wape.get('final'))} (original forecast {_pct(report.wape.get('original'))})",
                   "close", {"weeks": n, "sell_through": report.sell_through, "early": early})
    _with_explanation(ev, "season_end", {
        "closed_early": early, "sell_through": report.sell_through, "mape": report.mape, "wape": report.wape,
        "stockout_store_weeks": report.stockout_store_weeks, "overstock_units": report.overstock_units,
        "markdown_units": report.markdown_units, "reforecast_weeks": report.reforecast_weeks,
        "tuning": [t.model_dump(mode="json") for t in report.tuning]})
    result.events.append(ev)
    result.state = State.CLOSED


CLOSED_BEFORE_THE_SEASON = "closed before the season started"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def close_step(ctx: WorkflowContext, history: Any, now: datetime) -> StepResult:
    ctx = ctx.model_copy(deep=True)
    result = StepResult(state=State.CLOSED, context=ctx)
    failed = ctx.attention
    if failed is not None and (ctx.season is None or ctx.order is None or ctx.forecast_original is None):
        _close_before_the_season(ctx, result, now)
        return result
    close_into(ctx, history, result, early=True, now=now)
    if failed is not None:
        result.events.append(EventSpec("note", f"Closed while step {failed.step.name} had failed "
                                       f"({failed.error}); the report covers the weeks processed before it",
                                       "close", {"failed_step": failed.step.name, "error": failed.error}))
    return result


def _close_before_the_season(ctx: WorkflowContext, result: StepResult, now: datetime) -> None:
    """A step failed before the season started (forecast, allocation): nothing was ordered, shipped or
    sold, so there are no season figures; what happened is the failure, kept in the timeline."""
    failed = ctx.attention
    assert failed is not None
    ctx.closed_early = True
    ctx.closed_at = now
    what = f"step {failed.step.name} failed ({failed.error})"
    ctx.notes.append(f"{CLOSED_BEFORE_THE_SEASON}: {what}")  # the engine clears `attention` at the commit
    result.events.append(EventSpec(
        "closed", f"Season closed before it started: {what}; nothing "
        "was ordered, shipped or sold, so there is no season report", "close",
        {"weeks": 0, "early": True, "failed_step": failed.step.name, "error": failed.error}))
    result.state = State.CLOSED
