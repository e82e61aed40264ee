"""The workflow's steps as pure computations on typed objects: no database, no clock, no LLM.

Each step takes the workflow context, the frames or stored actuals it needs and the time `now`,
and returns a StepResult: the next state, the new context and what to record (events, an approval
request, forecast and plan revisions). The step engine (engine.py) persists a result in one
transaction, so a step either happened completely or not at all and can simply be run again.
Explanations are only *requested* here (EventSpec.explain): the engine writes them after the
commit, so a slow or failing LLM never holds a step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.domain.models import StoreState
from core.orchestrator.steps.context import (
    Alert,
    MarkdownState,
    OrderInfo,
    SeasonState,
    Skip,
    StoreWeek,
    WorkflowContext,
)
from core.orchestrator.steps.season_end import close_into
from core.orchestrator.steps.states import State
from core.orchestrator.steps.results import (  # noqa: F401  (the step contract, re-exported)
    ApprovalSpec,
    EventSpec,
    ExplanationRequest,
    StepResult,
    _with_explanation,
)


# ---------------------------------------------------------------------------------------- phase 1
def _history_price(history: Any, category: str) -> float:
    from core.domain.money import history_unit_price

    return history_unit_price(history, category)


def season_money(ctx: WorkflowContext) -> Any:
    """The season's price, cost and currency (issue 16): the entered price, else the history's."""
    from core.domain.money import resolve_money

    return resolve_money(ctx.parameters, history_price=float(ctx.history_unit_price or 0.0))


def forecast_step(ctx: WorkflowContext, history: Any) -> StepResult:
    from core.domain.forecast import category_weekly_series, forecast_season
    from core.domain.order import manufacturing_order

    p = ctx.parameters
    series = category_weekly_series(history, p.category)
    fc = forecast_season(series.values, season_start=p.season_start, horizon_weeks=p.horizon_weeks,
                         category=p.category)
    warnings = list(getattr(series, "warnings", []) or []) + list(fc.warnings)
    safety = float(p.safety_stock if p.safety_stock is not None else 0.0)
    proposed = manufacturing_order(fc.total, safety)
    ctx = ctx.model_copy(deep=True)
    ctx.forecast_original = fc
    ctx.history_unit_price = _history_price(history, p.category)
    ctx.forecast_warnings = warnings
    ctx.order = OrderInfo(forecast_total=round(fc.total, 3), safety_stock=safety, proposed=proposed)
    done = EventSpec("completed", f"Forecast {fc.total:,.0f} units over {p.horizon_weeks} weeks ({fc.method})",
                     "forecast", {"total": round(fc.total, 3), "members": fc.members, "method": fc.method,
                                  "warnings": warnings})
    ask = EventSpec("approval_requested",
                    f"Manufacturing order of {proposed:,} units awaits approval "
                    f"(forecast {fc.total:,.0f} x (1 + safety stock {safety:.0%}))",
                    "forecast", {"kind": "order", "proposed": proposed})
    _with_explanation(ask, "order", {
        "category": p.category, "forecast_total": round(fc.total, 1), "safety_stock": safety, "order_qty": proposed,
        "members": fc.members, "method": fc.method, "horizon_weeks": p.horizon_weeks,
        "season_start": p.season_start.isoformat(), "lo_total": round(sum(w.lo for w in fc.weeks), 1),
        "hi_total": round(sum(w.hi for w in fc.weeks), 1), "warnings": warnings})
    return StepResult(
        state=State.AWAITING_ORDER_APPROVAL, context=ctx, events=[done, ask],
        approval=ApprovalSpec("order", float(proposed), details={"forecast_total": round(fc.total, 3),
                                                                 "safety_stock": safety}),
        forecasts=[(0, "original forecast", 0, fc)],
    )


# ---------------------------------------------------------------------------------------- phase 2
def allocate_step(ctx: WorkflowContext, history: Any, stores: Any) -> StepResult:
    from core.domain.allocation import allocate
    from core.domain.clustering import cluster_stores

    p = ctx.parameters
    assert ctx.order is not None and ctx.order.approved is not None and ctx.forecast_original is not None
    clusters = cluster_stores(stores, history, p.category, p.n_clusters)
    plan = allocate(ctx.order.approved, clusters, stores, history, category=p.category,
                    season_start=p.season_start, horizon_weeks=p.horizon_weeks,
                    dc_holdback=float(p.dc_holdback or 0.0))
    ctx = ctx.model_copy(deep=True)
    ctx.clusters = clusters
    ctx.allocation_initial = plan
    season = SeasonState(
        forecast=ctx.forecast_original, allocation=plan,
        stores=[StoreState(store_id=s.store_id, season_total=s.season_total, shipped=s.initial, sold=0)
                for s in plan.stores],
        dc_on_hand=plan.dc_on_hand,
    )
    events = [EventSpec(
        "completed",
        f"{len(clusters.clusters)} clusters (silhouette {clusters.silhouette:.2f}); {plan.order_qty:,} units "
        f"allocated to {len(plan.stores)} stores: {plan.order_qty - plan.dc_on_hand:,} shipped now, "
        f"{plan.dc_on_hand:,} held at the DC",
        "allocate", {"silhouette": clusters.silhouette, "clusters": [c.model_dump() for c in plan.clusters],
                     "dc_on_hand": plan.dc_on_hand, "share_basis": plan.share_basis})]
    _with_explanation(events[0], "allocation", {
        "order_qty": plan.order_qty, "stores": len(plan.stores), "clusters": [c.model_dump() for c in plan.clusters],
        "silhouette": clusters.silhouette, "share_basis": plan.share_basis, "dc_holdback": plan.dc_holdback,
        "initial_total": plan.order_qty - plan.dc_on_hand, "dc_total": plan.dc_on_hand})
    skips = []
    if p.replenishment == "none":
        skips.append(Skip(phase="in-season", reason="Replenishment skipped: strategy is none"))
    if p.markdown_week is None:
        skips.append(Skip(phase="markdown", reason="Markdown skipped: no markdown week is set"))
    for skip in skips:
        ctx.skipped.append(skip)
        ev = EventSpec("skipped", skip.reason, "allocate", {"phase": skip.phase})
        _with_explanation(ev, "skip", {"phase": skip.phase, "reason": skip.reason})
        events.append(ev)
    ctx.season = season
    return StepResult(state=State.IN_SEASON, context=ctx, events=events,
                      plans=[("allocation", 0, 0, plan.model_dump(mode="json")),
                             ("season_state", 0, 0, season.model_dump(mode="json"))])


# ---------------------------------------------------------------------------------------- phase 3/4
@dataclass
class MarkdownDecision:
    depth: float
    decision: str  # accepted | modified
    approval_id: int
    by: str | None = None
    reason: str | None = None


def _store_demand(season: SeasonState, rest_total: float) -> dict[str, float]:
    """Each store's expected season demand: sold so far + its share of the remaining plan."""
    sold_total = sum(s.sold for s in season.stores)
    if sold_total > 0:
        weights = {s.store_id: s.sold / sold_total for s in season.stores}
    else:
        total = sum(s.season_total for s in season.stores) or 1
        weights = {s.store_id: s.season_total / total for s in season.stores}
    return {s.store_id: s.sold + rest_total * weights[s.store_id] for s in season.stores}


def _reallocate(season: SeasonState, week: int, reason: str, result: StepResult) -> None:
    from core.domain.allocation import reallocate_remaining

    rest = float(sum(w.plan for w in season.forecast.weeks[week:]))
    plan = reallocate_remaining(season.allocation, season.stores, _store_demand(season, rest))
    season.allocation = plan
    totals = {s.store_id: s.season_total for s in plan.stores}
    for st in season.stores:
        st.season_total = totals[st.store_id]
    season.plan_revision += 1
    result.plans.append(("reallocation", season.plan_revision, week, plan.model_dump(mode="json")))
    result.events.append(EventSpec("reallocated", f"Remaining store allocations recomputed after week {week} "
                                                  f"({reason}); {season.dc_on_hand:,} units at the DC", "week",
                                   {"week": week, "revision": season.plan_revision}))


def apply_week(ctx: WorkflowContext, season: SeasonState, week: int, by_store: dict[str, int],
               result: StepResult, decisions: dict[int, MarkdownDecision],
               shares: dict[int, float] | None = None) -> bool:
    """Fold one week of actuals into `season` (in place). Returns True when the workflow must stop
    at the markdown gate. `shares`: week -> share of its plan carried by the days of a confirmed
    partial week (its variance is against that part of the plan; a re-forecast reads it grossed up)."""
    from core.domain.forecast import reforecast
    from core.domain.markdown import markdown_due
    from core.domain.markdown_options import decide_markdown
    from core.domain.replenishment import plan_replenishment, queue_summary, skip_reason
    from core.domain.variance import assess_variance, shortfall_message

    p = ctx.parameters
    original = ctx.forecast_original
    approved = ctx.order.approved if ctx.order and ctx.order.approved else 0
    assert original is not None
    h = p.horizon_weeks
    store_shares = {s.store_id: s.season_total for s in season.allocation.stores}
    order_qty = season.allocation.order_qty or 1
    shares = shares or {}
    days_share = shares.get(week)
    full_plan = float(season.forecast.weeks[week - 1].plan)
    week_plan = full_plan * days_share if days_share is not None else full_plan
    total = int(sum(by_store.values()))
    for st in season.stores:
        st.sold += int(by_store.get(st.store_id, 0))
    for sid, share in store_shares.items():
        season.store_weeks.append(StoreWeek(week=week, store_id=sid, actual=int(by_store.get(sid, 0)),
                                            plan=round(week_plan * share / order_qty, 3)))
    season.week_totals.append(total)
    actuals = [float(x) for x in season.week_totals]
    plans = [r.plan for r in season.weeks] + [week_plan]
    # Against the original forecast too, a partial week counts only its days' part of the week.
    orig = [w.plan * (shares.get(k, 1.0) if k <= week else 1.0) for k, w in enumerate(original.weeks, start=1)]
    remaining = [w.plan for w in season.forecast.weeks[week:]]
    common = dict(start=season.forecast.weeks[week - 1].start, actuals=actuals, plans=plans, original=orig,
                  available_stock=approved, variance_threshold=p.variance_threshold,
                  emergency_threshold=p.emergency_threshold, store_actuals=by_store, store_shares=store_shares)
    record = assess_variance(week, remaining_plan=remaining, **common)
    part = (f" (partial week: {days_share:.0%} of the week's plan of {full_plan:,.0f})"
            if days_share is not None else "")
    ev = EventSpec("variance", f"Week {week}: actual {total:,} vs plan {week_plan:,.0f}{part} "
                               f"({record.variance:+.1%}; threshold ±{p.variance_threshold:.0%})", "week",
                   {"week": week, "actual": total, "plan": week_plan, "variance": record.variance,
                    "cumulative_variance": record.cumulative_variance,
                    "variance_vs_original": record.variance_vs_original})
    result.events.append(ev)
    if record.reforecast:
        season.above_threshold_weeks.append(week)

    if record.reforecast and week < h:
        # A partial week's units stand for a whole week's demand in the re-forecast.
        observed = [a / shares[k] if shares.get(k, 0) > 0 else a for k, a in enumerate(actuals, start=1)]
        new_fc = reforecast(season.forecast, observed, original=original)
        season.forecast_revision += 1
        new_fc = new_fc.model_copy(update={"revision": season.forecast_revision})
        old_rest = sum(remaining)
        season.forecast = new_fc
        season.reforecast_weeks.append(week)
        result.forecasts.append((season.forecast_revision, f"re-forecast after week {week} "
                                 f"(variance {record.variance:+.1%})", week, new_fc))
        new_rest = sum(w.plan for w in new_fc.weeks[week:])
        rf = EventSpec("reforecast", f"Re-forecast after week {week}: remaining weeks {old_rest:,.0f} -> "
                                     f"{new_rest:,.0f} units", "week",
                       {"week": week, "revision": season.forecast_revision, "remaining_before": old_rest,
                        "remaining_after": new_rest, "method": new_fc.method})
        _with_explanation(ev, "variance", {
            "week": week, "actual": total, "plan": week_plan, "variance": record.variance,
            "variance_vs_original": record.variance_vs_original, "cumulative_variance": record.cumulative_variance,
            "variance_threshold": p.variance_threshold, "reforecast": True, "emergency": record.emergency}, week)
        _with_explanation(rf, "reforecast", {
            "week": week, "based_on_weeks": week, "old_remaining": round(old_rest, 1),
            "new_remaining": round(new_rest, 1), "weeks_left": h - week, "method": new_fc.method}, week)
        result.events.append(rf)
        record = assess_variance(week, remaining_plan=remaining,
                                 projected_remaining=[w.plan for w in new_fc.weeks[week:]], **common)
        _reallocate(season, week, "re-forecast", result)
    elif record.reforecast:
        # The final week: the trigger stays visible (above_threshold_weeks, this event), but the
        # record must not claim a re-forecast that cannot happen.
        record = record.model_copy(update={"reforecast": False})
        result.events.append(EventSpec(
            "skipped", f"Re-forecast skipped after week {week}: variance {record.variance:+.1%} is above the "
                       f"±{p.variance_threshold:.0%} threshold, but no weeks are left to re-forecast", "week",
            {"week": week, "phase": "in-season", "trigger": "variance", "variance": record.variance,
             "variance_threshold": p.variance_threshold}))
    if days_share is not None:
        record = record.model_copy(update={"days_share": days_share})
    season.weeks.append(record)
    if record.emergency:
        alert = Alert(week=week, kind="emergency_reorder", quantity=record.emergency_qty,
                      message=(f"Week {week} is {record.variance:+.1%} off plan and projected demand exceeds the "
                               f"{approved:,} units available: consider an emergency reorder of "
                               f"{record.emergency_qty:,} units"))
        season.alerts.append(alert)
        em = EventSpec("emergency", alert.message, "week", alert.model_dump())
        _with_explanation(em, "emergency", {
            "week": week, "variance": record.variance, "emergency_threshold": p.emergency_threshold,
            "available_stock": approved, "emergency_qty": record.emergency_qty}, week)
        result.events.append(em)
    if record.shortfall:
        # A deep shortfall is not a reason to reorder, but the planner must look at it (issue 16).
        alert = Alert(week=week, kind="shortfall", quantity=0, message=shortfall_message(record))
        season.alerts.append(alert)
        result.events.append(EventSpec("shortfall", alert.message, "week", alert.model_dump()))

    reason = skip_reason(week, strategy=p.replenishment, horizon_weeks=h)
    if reason is not None:
        if p.replenishment != "none" or week == 1:
            season.skipped.append(Skip(phase="in-season", reason=reason, week=week))
        result.events.append(EventSpec("skipped", reason, "week", {"week": week, "phase": "in-season"}))
    else:
        # Demand rule (issue 16): each store's share of the current plan for the next cycle plus safety stock.
        lines = plan_replenishment(week, strategy=p.replenishment, horizon_weeks=h, states=season.stores,
                                   dc_on_hand=season.dc_on_hand, plan=[w.plan for w in season.forecast.weeks[week:]],
                                   safety_stock=float(p.safety_stock or 0.0))
        by_id = {s.store_id: s for s in season.stores}
        for line in lines:
            by_id[line.store_id].shipped += line.qty
            season.dc_on_hand -= line.qty
        season.replenishment.extend(lines)
        shipped = sum(l.qty for l in lines)
        partial = sum(1 for l in lines if l.partial)
        result.events.append(EventSpec(
            "replenishment", f"Replenishment after week {week} for week {week + 1}: "
                             f"{queue_summary(lines, season.dc_on_hand)}; {season.dc_on_hand:,} left at the DC", "week",
            {"week": week, "units": shipped, "lines": len(lines), "partial": partial, "dc_on_hand": season.dc_on_hand}))
    season.weeks_done = week

    if markdown_due(week, p):
        sold = sum(s.sold for s in season.stores)
        proposal, options = decide_markdown(week, sold, approved, p, money=season_money(ctx),
                                            remaining_plan=[w.plan for w in season.forecast.weeks[week:]],
                                            actuals=actuals, plans=[r.plan for r in season.weeks])
        md_event = EventSpec("markdown", proposal.reason or f"Markdown proposal {proposal.depth:.0%}", "week",
                             {"week": week, "sell_through": proposal.sell_through, "depth": proposal.depth})
        _with_explanation(md_event, "markdown", {
            **proposal.model_dump(mode="json"), "elasticity": p.markdown_elasticity, "step": p.markdown_step,
            "cap": p.markdown_cap, "price_elasticity": p.price_elasticity}, week)
        result.events.append(md_event)
        decided = decisions.get(week)
        if options.rule_depth <= 0 and decided is None:
            season.markdown = MarkdownState(week=week, proposal=proposal, approved=0.0, decision="not_needed",
                                            options=options)
            season.skipped.append(Skip(phase="markdown", reason=proposal.reason or "no markdown needed", week=week))
            result.events.append(EventSpec("skipped", proposal.reason or "No markdown needed", "week",
                                           {"week": week, "phase": "markdown"}))
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
    from core.domain.forecast import apply_markdown_response

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
        fc = apply_markdown_response(season.forecast, from_week=week + 1, depth=decision.depth,
                                     price_elasticity=p.price_elasticity)
        season.forecast_revision += 1
        fc = fc.model_copy(update={"revision": season.forecast_revision})
        season.forecast = fc
        result.forecasts.append((season.forecast_revision, f"markdown {decision.depth:.0%} from week {week + 1}",
                                 week, fc))
        result.events.append(EventSpec(
            "reforecast", f"Remaining weeks re-forecast for a {decision.depth:.0%} markdown "
                          f"(price elasticity {p.price_elasticity:g})" + (" (replayed)" if replayed else ""),
            "markdown", {"week": week, "depth": decision.depth, "revision": season.forecast_revision}))
        _reallocate(season, week, "markdown", result)


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
    season = ctx.season
    result = StepResult(state=State.IN_SEASON, context=ctx)
    apply_markdown(ctx, season, decision, result)
    week = season.markdown.week
    result.plans.append(("season_state", season.plan_revision, week, season.model_dump(mode="json")))
    gate = _fold(ctx, season, week + 1, actuals, decisions, result, shares)
    return _finish(ctx, season, gate, history, result, now)
