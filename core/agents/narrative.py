"""Shared pieces of the explaining agents (Demand, Inventory, Pricing, Variance)."""

from __future__ import annotations

from typing import Any

from core.agents.context import ExplainContext, facts_json

BASE_INSTRUCTIONS = (
    "You explain one decision of a deterministic season-planning workflow to a merchandise planner "
    "at a fashion retailer. The planning engine has already computed every number and they are final: "
    "never change a number, never invent one, never recommend a different quantity. You may call the "
    "tools to re-check a figure. Write 2 to 4 short sentences of plain language: what was decided, "
    "the figures behind it, and what the planner should do next (approve, modify, or nothing). "
    "Answer in the requested structured form; set a figure field to null when it does not apply."
)


def prompt_for(ctx: ExplainContext) -> str:
    return (
        f"Decision kind: {ctx.kind}\n"
        f"Facts (JSON, computed by the engine): {facts_json(ctx.facts)}\n"
        f"Reference explanation built from a template (correct but dry): {ctx.template}\n"
        "Write the explanation."
    )


def close(a: float | None, b: Any, tol: float = 0.005, share: bool = False) -> bool:
    """True when a figure the model repeated agrees with the engine's value (or either is absent).

    With `share`, a model that wrote 20 for 20% is read as 0.20 before comparing.
    """
    if a is None or b is None or isinstance(b, bool):
        return True
    try:
        b = float(b)
    except (TypeError, ValueError):
        return True
    if share and abs(a) > 1.5 and abs(b) <= 1.5:
        a = a / 100.0
    return abs(a - b) <= max(tol, tol * abs(b))
