"""Variance explainer: why a week's actuals did or did not trigger a re-forecast.

Imports the Agents SDK at module level; only the LLM path imports this module.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from agents import Agent, function_tool
from pydantic import BaseModel, Field

from core.agents.context import ExplainContext
from core.agents.narrative import BASE_INSTRUCTIONS, close

KINDS = ("variance",)


class VarianceExplanation(BaseModel):
    explanation: str = Field(description="2-4 plain sentences for the planner")
    variance: float | None = Field(description="week variance quoted as a signed share, e.g. -0.25, or null")
    reforecast: bool | None = Field(description="whether a re-forecast follows, or null")


@function_tool
def variance_against_plan(actual: float, plan: float) -> float:
    """Relative variance (actual - plan) / plan of one week's category total.

    Args:
        actual: units sold in the week.
        plan: units planned for the week.
    """
    from core.domain.variance import relative_variance

    return round(relative_variance(actual, plan), 6)


@lru_cache(maxsize=1)
def build_agent() -> Agent[ExplainContext]:
    return Agent[ExplainContext](
        name="Variance explainer",
        instructions=BASE_INSTRUCTIONS
        + " You cover the weekly variance check: actual versus plan, versus the original forecast and "
        "season to date, and whether the variance threshold (strictly greater than) triggered a re-forecast.",
        tools=[variance_against_plan],
        output_type=VarianceExplanation,
    )


def contradiction(output: VarianceExplanation, facts: dict[str, Any]) -> str | None:
    if not close(output.variance, facts.get("variance"), tol=0.005, share=True):
        return f"model quoted variance {output.variance}, engine computed {facts.get('variance')}"
    expected = facts.get("reforecast")
    if isinstance(expected, bool) and output.reforecast is not None and output.reforecast != expected:
        return f"model said reforecast={output.reforecast}, engine decided {expected}"
    return None
