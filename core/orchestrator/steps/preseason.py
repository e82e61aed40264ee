"""The pre-season steps as pure computations on typed objects: no database, no clock, no LLM.

Each step takes the workflow context, the frames or stored actuals it needs and the time `now`,
and returns a StepResult: the next state, the new context and what to record (events, an approval
request, forecast and plan revisions). The step engine (engine.py) persists a result in one
transaction, so a step either happened completely or not at all and can simply be run again.
Explanations are only *requested* here (EventSpec.explain): the engine writes them after the
commit, so a slow or failing LLM never holds a step.
"""

from __future__ import annotations

from typing import Any

from core.domain.models import StoreState
from core.orchestrator.steps.context import (
    OrderInfo,
    SeasonState,
    Skip,
    WorkflowContext,
)
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
    """The season's price, cost and currency: the entered price, else the history's."""
    from core.domain.money import resolve_money

    return resolve_money(ctx.parameters, history_price=float(ctx.history_unit_price or 0.0))


def forecast_step(ctx: WorkflowContext, history: Any) -> StepResult:
    from core.domain.forecast import category_weekly_series, forecast_season, store_category_panel
    from core.domain.order import decide_order, plausible_season_cap
    from core.domain.price_response import resolve_price_response

    p = ctx.parameters
    series = category_weekly_series(history, p.category)
    # The global member is trained across the category's store series (docs/planning-rules.md §4.2).
    fc = forecast_season(series.values, season_start=p.season_start, horizon_weeks=p.horizon_weeks,
                         category=p.category, panel=store_category_panel(history, p.category))
    warnings = list(getattr(series, "warnings", []) or []) + list(fc.warnings)
    safety = float(p.safety_stock if p.safety_stock is not None else 0.0)
    ctx = ctx.model_copy(deep=True)
    # The price response the season plans its markdown with: entered, else estimated from the history,
    # else the published default (docs/planning-rules.md §6.3).
    ctx.parameters, price_response = resolve_price_response(p, history)
    p = ctx.parameters
    ctx.forecast_original = fc
    ctx.history_unit_price = _history_price(history, p.category)
    # The order policy (docs/planning-rules.md §6.2): expected profit over the season-demand distribution,
    # its paths capped by the history's largest season, or the safety-stock rule.
    decision = decide_order(fc, p, season_money(ctx), cap=plausible_season_cap(history, p.category, p.horizon_weeks))
    proposed = decision.quantity
    warnings += [n for n in decision.notes if "capped" in n]
    ctx.forecast_warnings = warnings
    ctx.order = OrderInfo(forecast_total=round(fc.total, 3), safety_stock=safety, proposed=proposed,
                          policy=decision.policy, rule_quantity=decision.rule_quantity,
                          options=[o.model_dump(mode="json") for o in decision.options])
    done = EventSpec("completed", f"Forecast {fc.total:,.0f} units over {p.horizon_weeks} weeks ({fc.method})",
                     "forecast", {"total": round(fc.total, 3), "members": fc.members, "method": fc.method,
                                  "warnings": warnings})
    how = (f"forecast {fc.total:,.0f} x (1 + safety stock {safety:.0%})" if decision.policy == "safety_stock"
           else _profit_words(decision))
    ask = EventSpec("approval_requested",
                    f"Manufacturing order of {proposed:,} units awaits approval ({how})",
                    "forecast", {"kind": "order", "proposed": proposed})
    _with_explanation(ask, "order", {
        "category": p.category, "forecast_total": round(fc.total, 3), "safety_stock": safety, "order_qty": proposed,
        "members": fc.members, "method": fc.method, "horizon_weeks": p.horizon_weeks,
        "season_start": p.season_start.isoformat(), "lo_total": round(sum(w.lo for w in fc.weeks), 1),
        "hi_total": round(sum(w.hi for w in fc.weeks), 1), "warnings": warnings})
    return StepResult(
        state=State.AWAITING_ORDER_APPROVAL, context=ctx, events=[done, ask],
        approval=ApprovalSpec("order", float(proposed), details={
            "forecast_total": round(fc.total, 3), "safety_stock": safety, "policy": decision.policy,
            "rule_quantity": decision.rule_quantity, "fractile": decision.fractile, "ranked_by": decision.ranked_by,
            "notes": decision.notes, "price_response": price_response,
            "options": [o.model_dump(mode="json") for o in decision.options]}),
        forecasts=[(0, "original forecast", 0, fc)],
    )


def _profit_words(decision: Any) -> str:
    if decision.ranked_by != "profit":
        return (f"lowest expected lost sales + leftover, no unit cost; the safety-stock rule says "
                f"{decision.rule_quantity:,}")
    best = decision.option(decision.quantity)
    return (f"highest expected profit {best.profit:,.0f} at the {decision.fractile:.0%} quantile of season demand; "
            f"the safety-stock rule says {decision.rule_quantity:,}")


# ---------------------------------------------------------------------------------------- phase 2
def allocate_step(ctx: WorkflowContext, history: Any, stores: Any) -> StepResult:
    from core.domain.allocation import allocate
    from core.domain.clustering import cluster_stores

    ctx = ctx.model_copy(deep=True)
    p = ctx.parameters
    assert ctx.order is not None and ctx.order.approved is not None and ctx.forecast_original is not None
    clusters = cluster_stores(stores, history, p.category, p.n_clusters)
    plan = allocate(ctx.order.approved, clusters, stores, history, category=p.category,
                    season_start=p.season_start, horizon_weeks=p.horizon_weeks,
                    dc_holdback=float(p.dc_holdback or 0.0))
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
