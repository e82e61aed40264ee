"""The in-season steps: each week's actuals folded into the season by the week rule, the markdown decision.

The decisions are the domain's week rule (core/domain/season_week.py), the same function the scenario
lab's simulator runs; this module records them as the workflow keeps them: events, plan and forecast
revisions, replenishment lines, alerts and the markdown approval request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from core.orchestrator.steps.context import (
    Alert,
    MarkdownState,
    SeasonState,
    Skip,
    StoreWeek,
    WorkflowContext,
)
from core.orchestrator.steps.results import ApprovalSpec, EventSpec, StepResult, _with_explanation
from core.orchestrator.steps.season_end import close_into, weekly_arrays
from core.orchestrator.steps.states import State
from core.orchestrator.steps.preseason import season_money

if TYPE_CHECKING:
    from core.domain.season_week import WeekDecision, WeekState


# ---------------------------------------------------------------------------------------- phase 3/4
@dataclass
class MarkdownDecision:
    depth: float
    decision: str  # accepted | modified
    approval_id: int
    by: str | None = None
    reason: str | None = None


def _store_arrays(season: SeasonState) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Store ids, season totals, shipped and sold in the allocation's store order."""
    by_id = {s.store_id: s for s in season.stores}
    ids = [a.store_id for a in season.allocation.stores]
    totals = np.array([by_id[i].season_total for i in ids], dtype=np.int64)
    shipped = np.array([by_id[i].shipped for i in ids], dtype=np.int64)
    sold = np.array([by_id[i].sold for i in ids], dtype=np.int64)
    return ids, totals, shipped, sold


def _reallocate(season: SeasonState, week: int, reason: str, result: StepResult, totals: np.ndarray) -> None:
    """Store the week rule's re-allocation (new store season totals in the allocation's order)."""
    from core.domain.allocation import with_season_totals

    ids = [a.store_id for a in season.allocation.stores]
    plan = with_season_totals(season.allocation, dict(zip(ids, (int(t) for t in totals))))
    season.allocation = plan
    new = {s.store_id: s.season_total for s in plan.stores}
    for st in season.stores:
        st.season_total = new[st.store_id]
    season.plan_revision += 1
    result.plans.append(("reallocation", season.plan_revision, week, plan.model_dump(mode="json")))
    result.events.append(EventSpec("reallocated", f"Remaining store allocations recomputed after week {week} "
                                                  f"({reason}); {season.dc_on_hand:,} units at the DC", "week",
                                   {"week": week, "revision": season.plan_revision}))


def _week_state(ctx: WorkflowContext, season: SeasonState, week: int, by_store: dict[str, int],
                shares: dict[int, float]) -> WeekState:
    from core.domain.season_week import WeekState

    p = ctx.parameters
    assert ctx.forecast_original is not None
    ids, totals, shipped, sold = _store_arrays(season)
    weekly_sold, weekly_received = weekly_arrays(ctx, season, week, by_store)
    days_share = shares.get(week)
    full_plan = float(season.forecast.weeks[week - 1].plan)
    week_plan = full_plan * days_share if days_share is not None else full_plan
    return WeekState(
        week=week, params=p, original=ctx.forecast_original, forecast=season.forecast,
        approved=ctx.order.approved if ctx.order and ctx.order.approved else 0,
        order_qty=season.allocation.order_qty, store_ids=ids, totals=totals, shipped=shipped, sold=sold,
        dc_on_hand=season.dc_on_hand, actuals=[float(x) for x in season.week_totals],
        plans=[r.plan for r in season.weeks] + [week_plan], money=season_money(ctx), shares=shares,
        store_actuals={k: float(v) for k, v in by_store.items()}, store_weekly_sold=weekly_sold,
        store_weekly_received=weekly_received)


def apply_week(ctx: WorkflowContext, season: SeasonState, week: int, by_store: dict[str, int],
               result: StepResult, decisions: dict[int, MarkdownDecision],
               shares: dict[int, float] | None = None) -> bool:
    """Fold one week of actuals into `season` (in place). Returns True when the workflow must stop
    at the markdown gate. `shares`: week -> share of its plan carried by the days of a confirmed
    partial week (its variance is against that part of the plan; a re-forecast reads it grossed up).
    The decisions are the week rule's (core/domain/season_week.py); this records them."""
    from core.domain.season_week import decide_week

    shares = shares or {}
    order_qty = season.allocation.order_qty or 1
    store_shares = {s.store_id: s.season_total for s in season.allocation.stores}
    total = int(sum(by_store.values()))
    for st in season.stores:
        st.sold += int(by_store.get(st.store_id, 0))
    season.week_totals.append(total)
    state = _week_state(ctx, season, week, by_store, shares)
    week_plan = state.plans[-1]
    for sid, share in store_shares.items():
        season.store_weeks.append(StoreWeek(week=week, store_id=sid, actual=int(by_store.get(sid, 0)),
                                            plan=round(week_plan * share / order_qty, 3)))
    decision = decide_week(state)
    _record_variance(ctx, season, week, total, week_plan, shares.get(week), decision, result)
    _record_replenishment(ctx, season, week, decision, result)
    season.weeks_done = week
    if decision.markdown is not None:
        return _markdown_gate(ctx, season, week, _said_partial(decision, week, shares.get(week)), result,
                              decisions)
    return False


def _said_partial(decision: WeekDecision, week: int, days_share: float | None) -> WeekDecision:
    """A checkpoint on a confirmed partial week counts only its days: its proposal says so."""
    if decision.markdown is None or days_share is None or days_share >= 1:
        return decision
    proposal, options = decision.markdown
    said = (f"Week {week} is a partial week ({days_share:.0%} of its plan's days): the sell-through counts only "
            "the days uploaded; replacing it with the full week replays the checkpoint.")
    proposal = proposal.model_copy(update={"reason": f"{proposal.reason or ''} {said}".strip()})
    return replace(decision, markdown=(proposal, options))


def _record_variance(ctx: WorkflowContext, season: SeasonState, week: int, total: int, week_plan: float,
                     days_share: float | None, decision: WeekDecision, result: StepResult) -> None:
    p = ctx.parameters
    h = p.horizon_weeks
    first = decision.first_record
    full_plan = float(season.forecast.weeks[week - 1].plan)
    part = (f" (partial week: {days_share:.0%} of the week's plan of {full_plan:,.0f})"
            if days_share is not None else "")
    hidden = ""
    if decision.estimated_demand is not None and decision.demand_variance is not None:
        # Sales are a lower bound where stores ran out (docs/planning-rules.md §4.7): say what was asked for.
        hidden = (f"; stores ran out: estimated demand {decision.estimated_demand:,.0f} "
                  f"({decision.demand_variance:+.1%})")
    ev = EventSpec("variance", f"Week {week}: actual {total:,} vs plan {week_plan:,.0f}{part} "
                               f"({first.variance:+.1%}; threshold ±{p.variance_threshold:.0%}){hidden}", "week",
                   {"week": week, "actual": total, "plan": week_plan, "variance": first.variance,
                    "cumulative_variance": first.cumulative_variance,
                    "variance_vs_original": first.variance_vs_original,
                    "estimated_demand": decision.estimated_demand, "demand_variance": decision.demand_variance})
    result.events.append(ev)
    if first.reforecast:
        season.above_threshold_weeks.append(week)
    record = decision.record
    if decision.forecast is not None:
        old_rest = sum(w.plan for w in season.forecast.weeks[week:])
        season.forecast_revision += 1
        new_fc = decision.forecast.model_copy(update={"revision": season.forecast_revision})
        season.forecast = new_fc
        season.reforecast_weeks.append(week)
        result.forecasts.append((season.forecast_revision, f"re-forecast after week {week} "
                                 f"(variance {first.variance:+.1%})", week, new_fc))
        new_rest = sum(w.plan for w in new_fc.weeks[week:])
        rf = EventSpec("reforecast", reforecast_message(week, old_rest, new_rest), "week",
                       {"week": week, "revision": season.forecast_revision, "remaining_before": old_rest,
                        "remaining_after": new_rest, "method": new_fc.method})
        _with_explanation(ev, "variance", {
            "week": week, "actual": total, "plan": week_plan, "variance": first.variance,
            "variance_vs_original": first.variance_vs_original, "cumulative_variance": first.cumulative_variance,
            "variance_threshold": p.variance_threshold, "reforecast": True, "emergency": first.emergency}, week)
        _with_explanation(rf, "reforecast", {
            "week": week, "based_on_weeks": week, "old_remaining": round(old_rest, 1),
            "new_remaining": round(new_rest, 1), "weeks_left": h - week, "method": new_fc.method}, week)
        result.events.append(rf)
        assert decision.totals is not None
        _reallocate(season, week, "re-forecast", result, decision.totals)
    elif decision.final_week_trigger:
        # The final week: the trigger stays visible (above_threshold_weeks, this event), but the
        # record must not claim a re-forecast that cannot happen.
        result.events.append(EventSpec(
            "skipped", f"Re-forecast skipped after week {week}: variance {_above(record.variance, decision)} is "
                       f"above the ±{p.variance_threshold:.0%} threshold, but no weeks are left to re-forecast", "week",
            {"week": week, "phase": "in-season", "trigger": "variance", "variance": record.variance,
             "variance_threshold": p.variance_threshold}))
    if days_share is not None:
        record = record.model_copy(update={"days_share": days_share})
    season.weeks.append(record)
    _record_alerts(ctx, season, week, record, result)


def _above(variance: float, decision: WeekDecision) -> str:
    """The variance that crossed the threshold: the sales', or the estimated demand's behind stockouts."""
    dv = decision.demand_variance
    if dv is not None and abs(dv) > abs(variance):
        return f"{dv:+.1%} (estimated demand behind stockouts; sales {variance:+.1%})"
    return f"{variance:+.1%}"


def reforecast_message(week: int, old_rest: float, new_rest: float) -> str:
    """The re-forecast event; one that leaves the remaining weeks where they were says why nothing moved."""
    text = f"Re-forecast after week {week}: remaining weeks {old_rest:,.0f} -> {new_rest:,.0f} units"
    if abs(new_rest - old_rest) <= max(0.5, 0.005 * abs(old_rest)):
        text += (f" (unchanged: updated with the actuals of weeks 1..{week}, the level of the remaining weeks moved "
                 "by less than 0.5%, so the plan stands)")
    return text


def _record_alerts(ctx: WorkflowContext, season: SeasonState, week: int, record: Any, result: StepResult) -> None:
    from core.domain.variance import shortfall_message

    approved = ctx.order.approved if ctx.order and ctx.order.approved else 0
    if record.emergency:
        alert = Alert(week=week, kind="emergency_reorder", quantity=record.emergency_qty,
                      message=(f"Week {week} is {record.variance:+.1%} off plan and projected demand exceeds the "
                               f"{approved:,} units available: consider an emergency reorder of "
                               f"{record.emergency_qty:,} units"))
        season.alerts.append(alert)
        em = EventSpec("emergency", alert.message, "week", alert.model_dump())
        _with_explanation(em, "emergency", {
            "week": week, "variance": record.variance, "emergency_threshold": ctx.parameters.emergency_threshold,
            "available_stock": approved, "emergency_qty": record.emergency_qty}, week)
        result.events.append(em)
    earlier = [a.week for a in season.alerts if a.kind == "shortfall"]
    if earlier and not record.shortfall:
        # A shortfall alert says "look at this now": it clears once a later week is no longer that far
        # below plan, and says so (it stays in the timeline).
        season.alerts = [a for a in season.alerts if a.kind != "shortfall"]
        weeks = ", ".join(map(str, earlier))
        result.events.append(EventSpec(
            "shortfall", f"Shortfall alert of week {weeks} cleared: week {week} is {record.variance:+.1%} against "
                         "its plan", "week", {"week": week, "cleared": earlier, "variance": record.variance}))
    if record.shortfall:
        # A deep shortfall is not a reason to reorder, but the planner must look at it
        # (docs/planning-rules.md, "Variance").
        alert = Alert(week=week, kind="shortfall", quantity=0, message=shortfall_message(record))
        season.alerts.append(alert)
        result.events.append(EventSpec("shortfall", alert.message, "week", alert.model_dump()))


def _record_replenishment(ctx: WorkflowContext, season: SeasonState, week: int, decision: WeekDecision,
                          result: StepResult) -> None:
    from core.domain.replenishment import plan_replenishment, queue_summary, service_level

    p = ctx.parameters
    if decision.skip is not None:
        if p.replenishment != "none" or week == 1:
            season.skipped.append(Skip(phase="in-season", reason=decision.skip, week=week))
        result.events.append(EventSpec("skipped", decision.skip, "week", {"week": week, "phase": "in-season"}))
        return
    assert decision.ship is not None
    ids = [a.store_id for a in season.allocation.stores]
    by_id = {s.store_id: s for s in season.stores}
    states = [by_id[i] for i in ids]
    lines = plan_replenishment(week, strategy=p.replenishment, horizon_weeks=p.horizon_weeks, states=states,
                               dc_on_hand=season.dc_on_hand, plan=[w.plan for w in season.forecast.weeks[week:]],
                               safety_stock=float(p.safety_stock or 0.0), quantities=list(decision.ship),
                               service_level=service_level(season_money(ctx)))
    for line in lines:
        by_id[line.store_id].shipped += line.qty
        season.dc_on_hand -= line.qty
    season.replenishment.extend(lines)
    shipped = sum(x.qty for x in lines)
    partial = sum(1 for x in lines if x.partial)
    result.events.append(EventSpec(
        "replenishment", f"Replenishment after week {week} for week {week + 1}: "
                         f"{queue_summary(lines, season.dc_on_hand)}; {season.dc_on_hand:,} left at the DC", "week",
        {"week": week, "units": shipped, "lines": len(lines), "partial": partial, "dc_on_hand": season.dc_on_hand}))


def _markdown_gate(ctx: WorkflowContext, season: SeasonState, week: int, decision: WeekDecision,
                   result: StepResult, decisions: dict[int, MarkdownDecision]) -> bool:
    """Record the checkpoint's proposal; True when it waits for the planner's approval."""
    p = ctx.parameters
    assert decision.markdown is not None
    proposal, options = decision.markdown
    md_event = EventSpec("markdown", proposal.reason or f"Markdown proposal {proposal.depth:.0%}", "week",
                         {"week": week, "sell_through": proposal.sell_through, "depth": proposal.depth})
    _with_explanation(md_event, "markdown", {
        **proposal.model_dump(mode="json"), "elasticity": p.markdown_elasticity, "step": p.markdown_step,
        "cap": p.markdown_cap, "price_elasticity": p.price_elasticity}, week)
    result.events.append(md_event)
    decided = decisions.get(week)
    if not options.gate_opens and decided is None:
        season.markdown = MarkdownState(week=week, proposal=proposal, approved=0.0, decision="not_needed",
                                        options=options)
        season.skipped.append(Skip(phase="markdown", reason=proposal.reason or "no markdown needed", week=week))
        result.events.append(EventSpec("skipped", proposal.reason or "No markdown needed", "week",
                                       {"week": week, "phase": "markdown"}))
        return False
    recorded = ctx.season.markdown if ctx.season is not None else None
    if decided is not None and recorded is not None and recorded.week == week and recorded.approved is not None:
        # A decision keeps what the planner saw (docs/planning-rules.md §4.8): a week replaced after it
        # changes the reading, said in an event, never the recorded proposal.
        season.markdown = recorded.model_copy(deep=True)
        result.events.append(EventSpec(
            "markdown", f"Week {week} checkpoint with the replaced week(s): sell-through {proposal.sell_through:.1%}, "
            f"rule {options.rule_depth:.0%}; the markdown decided at week {week} keeps what was seen then "
            f"(sell-through {recorded.proposal.sell_through:.1%}, proposed {recorded.proposal.depth:.0%}, decided "
            f"{float(recorded.approved):.0%})", "week",
            {"week": week, "replayed": True, "sell_through_now": proposal.sell_through,
             "rule_depth_now": options.rule_depth, "sell_through_seen": recorded.proposal.sell_through}))
        apply_markdown(ctx, season, decided, result, replayed=True)
        return False
    season.markdown = MarkdownState(week=week, proposal=proposal, options=options)
    if decided is None:
        result.approval = ApprovalSpec("markdown", proposal.depth, week=week,
                                       details={**proposal.model_dump(mode="json"),
                                                "options": [o.model_dump(mode="json") for o in options.options]})
        result.events.append(EventSpec("approval_requested",
                                       f"Markdown of {proposal.depth:.0%} awaits approval", "week",
                                       {"kind": "markdown", "proposed": proposal.depth, "week": week}))
        return True
    # A replayed week whose markdown was already decided: the human decision stands, even when
    # the corrected actuals would now propose a different depth (or none) - the price is in the shops.
    apply_markdown(ctx, season, decided, result, replayed=True)
    return False


def apply_markdown(ctx: WorkflowContext, season: SeasonState, decision: MarkdownDecision, result: StepResult,
                   replayed: bool = False) -> None:
    p = ctx.parameters
    md = season.markdown
    assert md is not None
    md.approved = decision.depth
    md.decision = decision.decision
    md.approval_id = decision.approval_id
    week = md.week
    if not replayed:
        dec = EventSpec("markdown_applied", f"Markdown {decision.depth:.0%} {decision.decision} at week {week}",
                        "markdown", {"week": week, "depth": decision.depth, "decision": decision.decision})
        _with_explanation(dec, "markdown_decision", {
            "accepted": decision.decision == "accepted", "depth": decision.depth,
            "proposed_depth": md.proposal.depth, "reason": decision.reason}, week)
        result.events.append(dec)
    if decision.depth > 0 and week < p.horizon_weeks:
        from core.domain.season_week import after_markdown

        ids, totals, shipped, sold = _store_arrays(season)
        weekly_sold, weekly_received = weekly_arrays(ctx, season, week)
        fc, new_totals = after_markdown(season.forecast, week, decision.depth, p,
                                        order_qty=season.allocation.order_qty, totals=totals, shipped=shipped,
                                        sold=sold, weekly_sold=weekly_sold, weekly_received=weekly_received,
                                        plans=[r.plan for r in season.weeks[:week]])
        season.forecast_revision += 1
        fc = fc.model_copy(update={"revision": season.forecast_revision})
        season.forecast = fc
        result.forecasts.append((season.forecast_revision, f"markdown {decision.depth:.0%} from week {week + 1}",
                                 week, fc))
        result.events.append(EventSpec(
            "reforecast", f"Remaining weeks re-forecast for a {decision.depth:.0%} markdown "
                          f"(price elasticity {p.price_elasticity:g})" + (" (replayed)" if replayed else ""),
            "markdown", {"week": week, "depth": decision.depth, "revision": season.forecast_revision}))
        _reallocate(season, week, "markdown", result, new_totals)


def _fold(ctx: WorkflowContext, season: SeasonState, from_week: int, actuals: dict[int, dict[str, int]],
          decisions: dict[int, MarkdownDecision], result: StepResult,
          shares: dict[int, float] | None = None) -> bool:
    """Apply the stored weeks from `from_week` on; True when stopped at a markdown gate."""
    last = max(actuals) if actuals else from_week - 1
    for week in range(from_week, last + 1):
        gate = apply_week(ctx, season, week, actuals[week], result, decisions, shares)
        result.plans.append(("season_state", season.plan_revision, week, season.model_dump(mode="json")))
        if gate:
            return True
    return False


def _finish(ctx: WorkflowContext, season: SeasonState, gate: bool, history: Any, result: StepResult,
            now: datetime) -> StepResult:
    ctx.season = season
    if gate:
        result.state = State.AWAITING_MARKDOWN_APPROVAL
    elif season.weeks_done >= ctx.parameters.horizon_weeks:
        close_into(ctx, history, result, early=False, now=now)
    else:
        result.state = State.IN_SEASON
    result.context = ctx
    return result


def week_step(ctx: WorkflowContext, start: SeasonState, from_week: int, actuals: dict[int, dict[str, int]],
              decisions: dict[int, MarkdownDecision], history: Any, now: datetime,
              shares: dict[int, float] | None = None) -> StepResult:
    """Fold the stored weeks from `from_week` on into `start` (the state before that week)."""
    ctx = ctx.model_copy(deep=True)
    season = start.model_copy(deep=True)
    result = StepResult(state=State.IN_SEASON, context=ctx)
    gate = _fold(ctx, season, from_week, actuals, decisions, result, shares)
    return _finish(ctx, season, gate, history, result, now)


def markdown_step(ctx: WorkflowContext, decision: MarkdownDecision, history: Any,
                  actuals: dict[int, dict[str, int]], decisions: dict[int, MarkdownDecision],
                  now: datetime, shares: dict[int, float] | None = None) -> StepResult:
    """Apply the decided markdown, then any stored weeks after the checkpoint (after a replay)."""
    ctx = ctx.model_copy(deep=True)
    assert ctx.season is not None and ctx.season.markdown is not None
    season, markdown = ctx.season, ctx.season.markdown
    result = StepResult(state=State.IN_SEASON, context=ctx)
    apply_markdown(ctx, season, decision, result)  # changes `markdown` in place (its decision, not its week)
    week = markdown.week
    result.plans.append(("season_state", season.plan_revision, week, season.model_dump(mode="json")))
    gate = _fold(ctx, season, week + 1, actuals, decisions, result, shares)
    return _finish(ctx, season, gate, history, result, now)
