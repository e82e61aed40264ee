"""Inventory agent: explains the allocation, skipped phases, replenishment and emergency reorders.

Imports the Agents SDK at module level; only the LLM path imports this module.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from agents import Agent, function_tool
from pydantic import BaseModel, Field

from core.agents.context import ExplainContext
from core.agents.narrative import BASE_INSTRUCTIONS, close

KINDS = ("allocation", "skip", "replenishment", "emergency")


class InventoryExplanation(BaseModel):
    explanation: str = Field(description="2-4 plain sentences for the planner")
    initial_units: int | None = Field(description="units shipped to stores at launch quoted, or null")
    dc_units: int | None = Field(description="units kept at the DC quoted, or null")


@function_tool
def split_units(total: int, weights: list[float]) -> str:
    """Split a whole number of units by weights so the parts sum exactly to the total.

    Args:
        total: units to split.
        weights: one non-negative weight per part.
    """
    from core.domain.rounding import largest_remainder

    return json.dumps(largest_remainder(total, weights))


@function_tool
def initial_shipment(season_totals: list[int], order_qty: int, dc_holdback: float) -> str:
    """Units each store receives at launch; the rest of its season total stays at the DC.

    Args:
        season_totals: season total per store.
        order_qty: approved manufacturing quantity.
        dc_holdback: share held at the DC (0..0.9).
    """
    from core.domain.allocation import split_initial

    return json.dumps(split_initial(season_totals, order_qty, dc_holdback))


@lru_cache(maxsize=1)
def build_agent() -> Agent[ExplainContext]:
    return Agent[ExplainContext](
        name="Inventory agent",
        instructions=BASE_INSTRUCTIONS
        + " You cover inventory: store clusters and cluster shares, the initial shipment versus the DC "
        "holdback, weekly replenishment, phases skipped by the parameters and emergency reorders.",
        tools=[split_units, initial_shipment],
        output_type=InventoryExplanation,
    )


def contradiction(output: InventoryExplanation, facts: dict[str, Any]) -> str | None:
    if not close(output.initial_units, facts.get("initial_total"), tol=0.0):
        return f"model quoted {output.initial_units} initial units, engine computed {facts.get('initial_total')}"
    if not close(output.dc_units, facts.get("dc_total"), tol=0.0):
        return f"model quoted {output.dc_units} DC units, engine computed {facts.get('dc_total')}"
    return None
