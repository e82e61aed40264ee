"""Demand agent: explains the forecast and the manufacturing order, re-forecasts and the season end.

Imports the Agents SDK at module level; only the LLM path imports this module.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from agents import Agent, RunContextWrapper, function_tool
from pydantic import BaseModel, Field

from core.agents.context import ExplainContext
from core.agents.narrative import BASE_INSTRUCTIONS, close

KINDS = ("order", "reforecast", "season_end")


class DemandExplanation(BaseModel):
    explanation: str = Field(description="2-4 plain sentences for the planner")
    forecast_total: float | None = Field(description="season forecast total quoted, or null")
    order_qty: int | None = Field(description="manufacturing order quoted, or null")


@function_tool
def manufacturing_order(forecast_total: float, safety_stock: float) -> int:
    """Manufacturing order for a season forecast total and a safety-stock share (0..1).

    Args:
        forecast_total: forecast units for the whole season.
        safety_stock: safety stock as a share, e.g. 0.2 for 20%.
    """
    from core.domain.order import manufacturing_order as engine

    return engine(forecast_total, safety_stock)


@function_tool
def forecast_weeks(ctx: RunContextWrapper[ExplainContext]) -> str:
    """Week-by-week plan (week, start, plan, lo, hi) of the forecast behind this decision, if any."""
    forecast = ctx.context.facts.get("forecast")
    weeks = getattr(forecast, "weeks", None)
    if not weeks:
        return "[]"
    return json.dumps([{"week": w.week, "start": w.start.isoformat(), "plan": round(w.plan, 1), "lo": round(w.lo, 1),
             "hi": round(w.hi, 1)} for w in weeks])


@lru_cache(maxsize=1)
def build_agent() -> Agent[ExplainContext]:
    return Agent[ExplainContext](
        name="Demand agent",
        instructions=BASE_INSTRUCTIONS
        + " You cover demand: the ensemble forecast, the safety stock and the manufacturing order, "
        "re-forecasts after large variances, and the season-end accuracy review.",
        tools=[manufacturing_order, forecast_weeks],
        output_type=DemandExplanation,
    )


def contradiction(output: DemandExplanation, facts: dict[str, Any]) -> str | None:
    if not close(output.order_qty, facts.get("order_qty"), tol=0.0):
        return f"model quoted order {output.order_qty}, engine computed {facts.get('order_qty')}"
    if not close(output.forecast_total, facts.get("forecast_total"), tol=0.01):
        return f"model quoted forecast {output.forecast_total}, engine computed {facts.get('forecast_total')}"
    return None
