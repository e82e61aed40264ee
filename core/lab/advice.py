"""A closed workflow's tuning advice as a replay search of its own season (core.domain.simulation.advice).

    checked_report(svc, workflow_id) -> SeasonReport   # tuning and next_parameters after the check

The replay uses the workflow's dataset, parameters, decided order and markdown, and its actual store
weeks as demand (after a markdown at full price, i.e. divided by the markdown's lift); each advised
change is one more simulated season of the same demand. The planner's decisions stand in every
replay unless the advice changes what they decided on (safety stock -> the order, the markdown
checkpoint -> the markdown).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from core.domain.errors import PlannerError
from core.domain.models import SeasonReport
from core.domain.params import SeasonParameters, make_parameters
from core.domain.report import next_parameters
from core.domain.simulation import parameter_set, path_metrics, prepare_season, simulate
from core.domain.simulation.advice import Replay, search_advice
from core.lab.runner import _season
from core.lab.work import clusters_for

FIELDS = set(SeasonParameters.model_fields) - {"season_start_requested"}
ORDER_FIELDS = {"safety_stock", "order_policy"}
MARKDOWN_FIELDS = {"markdown_week", "markdown_target"}


def replay_function(status: dict[str, Any], frames: Any) -> Replay | None:
    """overrides -> outcome over the workflow's closed season; None until every week is in."""
    from core.lab.comparisons import observed_demand

    p = status["parameters"]
    demand = observed_demand(status, frames.stores["store_id"].astype(str).tolist())
    if demand is None:
        return None
    used = {k: v for k, v in p.items() if k in FIELDS}
    order = (status.get("order") or {}).get("approved")
    md = status.get("markdown") or {}
    rows = frames.history[frames.history["category"] == p["category"]].reset_index(drop=True)
    season = _season(rows, frames.stores, p["category"], date.fromisoformat(p["season_start"]), int(p["horizon_weeks"]))

    def replay(overrides: dict[str, Any]) -> dict[str, Any]:
        values = {**used, **overrides, "name": "replay"}
        if order and not ORDER_FIELDS & set(overrides):
            values["order_qty"] = int(order)
        if md.get("approved") is not None and (md.get("proposed") or 0) > 0 and not MARKDOWN_FIELDS & set(overrides):
            values["markdown_depth"] = float(md["approved"])
        pset = parameter_set(values, source="replay")
        setup = prepare_season(pset, season.forecast, clusters=clusters_for(season, pset.parameters.n_clusters),
                               stores=frames.stores, history=season.history, unit_price=season.unit_price)
        m = path_metrics(simulate(setup, demand), pset.cost)
        return {k: (None if np.isnan(m[k][0]) else float(m[k][0]))
                for k in ("sold", "lost_sales", "leftover", "revenue", "margin", "profit")}

    return replay


def checked_report(svc: Any, workflow_id: str) -> SeasonReport:
    """The season report with its tuning advice checked by replay (unchanged when it cannot be replayed:
    a season closed before its last week has no complete demand)."""
    report = svc.report(workflow_id)
    status = svc.status(workflow_id).model_dump(mode="json")
    replay = replay_function(status, svc.dataset_frames(status["dataset_id"]))
    if replay is None:
        return report
    try:
        tuning = search_advice(list(report.tuning), status["parameters"], replay)
    except PlannerError as exc:
        # The check is an extra: a season its advice cannot be replayed on (a forecast of 0, so an advised
        # safety stock orders 0 units) keeps its report and advice, said to be unchecked.
        why = "; ".join(exc.messages)
        unchecked = [a.model_copy(update={"reason": f"{a.reason} (not checked by replaying the season: {why})"})
                     for a in report.tuning]
        return report.model_copy(update={"tuning": unchecked})
    params = make_parameters({k: v for k, v in status["parameters"].items() if k in FIELDS})
    return report.model_copy(update={"tuning": tuning, "next_parameters": next_parameters(params, tuning)})
