"""Pricing agent: explains the markdown proposal and the planner's markdown decision.

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

KINDS = ("markdown", "markdown_decision")


class PricingExplanation(BaseModel):
    explanation: str = Field(description="2-4 plain sentences for the planner")
    sell_through: float | None = Field(description="sell-through quoted as a share 0..1, or null")
    depth: float | None = Field(description="markdown depth quoted as a share 0..1, or null")


@function_tool
def markdown_proposal(
    ctx: RunContextWrapper[ExplainContext], week: int, sold_to_date: int, approved_qty: int
) -> str:
    """Recompute the markdown proposal (sell-through, gap, depth) with this season's parameters.

    Args:
        week: the checkpoint week.
        sold_to_date: units sold in weeks 1..week.
        approved_qty: approved manufacturing quantity.
    """
    from core.domain.markdown import propose_markdown

    params = ctx.context.facts.get("params")
    if params is None:
        return json.dumps({"error": "season parameters not available in this context"})
    return propose_markdown(week, sold_to_date, approved_qty, params).model_dump_json()


@function_tool
def demand_lift(depth: float, price_elasticity: float) -> float:
    """Multiplier on remaining weekly demand after a markdown: (1 - depth) ** (-price_elasticity).

    Args:
        depth: markdown depth as a share, e.g. 0.2.
        price_elasticity: demand response to price (> 0).
    """
    return round((1.0 - depth) ** (-price_elasticity), 4)


@lru_cache(maxsize=1)
def build_agent() -> Agent[ExplainContext]:
    return Agent[ExplainContext](
        name="Pricing agent",
        instructions=BASE_INSTRUCTIONS
        + " You cover pricing: the sell-through check at the markdown week, the Gap x Elasticity "
        "markdown rule (rounded to the step, capped) and the expected demand response.",
        tools=[markdown_proposal, demand_lift],
        output_type=PricingExplanation,
    )


def contradiction(output: PricingExplanation, facts: dict[str, Any]) -> str | None:
    if not close(output.depth, facts.get("depth"), tol=0.001, share=True):
        return f"model quoted depth {output.depth}, engine computed {facts.get('depth')}"
    if not close(output.sell_through, facts.get("sell_through"), tol=0.005, share=True):
        return f"model quoted sell-through {output.sell_through}, engine computed {facts.get('sell_through')}"
    return None
