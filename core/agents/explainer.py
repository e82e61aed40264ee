"""`explain`: a plain-language explanation of one workflow decision.

With an LLM configured the agent for the decision's domain writes it (Demand, Inventory,
Pricing, Variance); its typed answer is checked against the engine's numbers. Without an LLM,
or when the call fails, times out, or contradicts the numbers, the deterministic template is
used. Never raises, never changes a number.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from core.agents.results import Explanation
from core.agents.settings import LLMSettings, load_settings
from core.agents.templates import render

# Which agent module explains which kind of decision (imported only when an LLM is configured).
AGENT_FOR_KIND: dict[str, str] = {
    "order": "core.agents.demand_agent",
    "reforecast": "core.agents.demand_agent",
    "season_end": "core.agents.demand_agent",
    "allocation": "core.agents.inventory_agent",
    "skip": "core.agents.inventory_agent",
    "replenishment": "core.agents.inventory_agent",
    "emergency": "core.agents.inventory_agent",
    "markdown": "core.agents.pricing_agent",
    "markdown_decision": "core.agents.pricing_agent",
    "variance": "core.agents.variance_agent",
}
DEFAULT_AGENT = "core.agents.inventory_agent"


def explain(kind: str, facts: Mapping[str, Any] | None, *, settings: LLMSettings | None = None) -> Explanation:
    """Explanation of decision `kind` from `facts` (keys per kind: see core.agents.templates)."""
    facts = dict(facts or {})
    template = render(kind, facts)
    settings = settings or load_settings()
    if not settings.enabled:
        return Explanation(text=template, source="template")
    try:
        from core.agents.context import ExplainContext
        from core.agents.narrative import prompt_for
        from core.agents.runtime import call_agent

        module = importlib.import_module(AGENT_FOR_KIND.get(kind, DEFAULT_AGENT))
        ctx = ExplainContext(kind=kind, facts=facts, template=template)
        outcome = call_agent(module.build_agent(), prompt_for(ctx), settings=settings, context=ctx)
    except Exception as exc:  # the SDK failed to load: the template still works
        return Explanation(text=template, source="template", error=f"{type(exc).__name__}: {exc}")
    if outcome.output is None:
        return Explanation(text=template, source="template", attempts=outcome.attempts, error=outcome.error)
    problem = module.contradiction(outcome.output, facts)
    text = (outcome.output.explanation or "").strip()
    if problem or not text:
        return Explanation(
            text=template, source="template", attempts=outcome.attempts,
            error=f"model answer not used: {problem or 'empty explanation'}",
        )
    return Explanation(text=text, source="llm", attempts=outcome.attempts)
