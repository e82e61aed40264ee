"""Parameter extractor agent: free text -> a typed draft of SeasonParameters fields.

The model only reads the text. The year of an undated start, defaults, category spelling and
range validation are applied afterwards by deterministic code (`core.agents.extraction`), so a
model cannot smuggle an out-of-range value past SeasonParameters.

Imports the Agents SDK at module level; only the LLM path imports this module.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import Any

from agents import Agent, RunContextWrapper, function_tool
from pydantic import BaseModel, Field

from core.agents.context import ExtractionContext
from core.domain.params import BOUNDS, REPLENISHMENT_CHOICES, range_text


class ParameterDraft(BaseModel):
    """Only what the text states; null for everything it does not mention."""

    category: str | None = Field(description="product category named in the text, spelled as in the list, or null")
    season_start_year: int | None = Field(description="year of the season start if the text gives one, else null")
    season_start_month: int | None = Field(description="month 1-12 of the season start, or null")
    season_start_day: int | None = Field(description="day of month of the season start, or null")
    horizon_weeks: int | None = Field(description="season length in weeks (months x 52/12), or null")
    replenishment: str | None = Field(description="'none', 'weekly' or 'bi-weekly', or null")
    dc_holdback: float | None = Field(description="share held back at the DC, 0..1 (30% -> 0.3), or null")
    safety_stock: float | None = Field(description="safety stock share 0..1, or null")
    markdown_week: int | None = Field(description="week of the markdown checkpoint, or null")
    no_markdown: bool | None = Field(description="true only if the text says there is no markdown at all")
    markdown_target: float | None = Field(description="sell-through target share 0..1 at the checkpoint, or null")
    variance_threshold: float | None = Field(description="share, or null")
    emergency_threshold: float | None = Field(description="share, or null")
    markdown_elasticity: float | None = Field(description="number, or null")
    markdown_step: float | None = Field(description="share, or null")
    markdown_cap: float | None = Field(description="share, or null")
    price_elasticity: float | None = Field(description="number, or null")
    n_clusters: int | None = Field(description="number of store clusters, or null")
    unit_price: float | None = Field(default=None, description="selling price of one unit, or null")
    unit_cost: float | None = Field(default=None, description="cost of making or buying one unit, or null")
    salvage_value: float | None = Field(
        default=None, description="what one unsold unit recovers at season end ('clear leftovers at $5' -> 5), or null")
    unclear: list[str] = Field(description="phrases of the text that could not be interpreted")


def _instructions(ctx: RunContextWrapper[ExtractionContext], agent: Agent[ExtractionContext]) -> str:
    c = ctx.context
    bounds = "; ".join(f"{name} {range_text(name)}" for name in BOUNDS)
    anchor = c.history_end or c.today or date.today()
    return (
        "You read a merchandise planner's description of a fashion-retail season and fill the "
        "structured fields with exactly what the text states. Use null for anything not stated: "
        "never guess, never fill in defaults. Shares are fractions (30% -> 0.3). "
        f"Replenishment is one of {', '.join(REPLENISHMENT_CHOICES)} ('just one initial allocation' or "
        "'no replenishment' -> none; 'every two weeks'/'fortnightly' -> bi-weekly). 'Send everything to "
        "stores at launch' or 'no holdback' -> dc_holdback 0. 'No markdowns' -> no_markdown true. "
        f"Categories available: {', '.join(c.categories) or '(none)'}. "
        f"The sales history ends on {anchor.isoformat()}; leave season_start_year null when the text gives "
        "no year (the program picks the first such date after the history). "
        f"Allowed ranges: {bounds}. Put any phrase you could not interpret in 'unclear'. "
        "You may call check_parameters to validate a draft before answering."
    )


@function_tool
def check_parameters(ctx: RunContextWrapper[ExtractionContext], draft: ParameterDraft) -> str:
    """Validate a draft with the planner's rules; returns JSON {"valid": bool, "problems": [...]}.

    Args:
        draft: the fields read so far.
    """
    from core.agents.extraction import draft_problems

    problems = draft_problems(draft_to_raw(draft, ctx.context), ctx.context)
    ctx.context.checked = problems
    return json.dumps({"valid": not problems, "problems": problems})


def draft_to_raw(draft: ParameterDraft, ctx: ExtractionContext) -> dict[str, Any]:
    """Stated fields only, in SeasonParameters terms (season start as (month, day, year) parts)."""
    raw: dict[str, Any] = {}
    for name in (
        "horizon_weeks", "replenishment", "dc_holdback", "safety_stock", "markdown_target",
        "variance_threshold", "emergency_threshold", "markdown_elasticity", "markdown_step",
        "markdown_cap", "price_elasticity", "n_clusters", "unit_price", "unit_cost", "salvage_value",
    ):
        value = getattr(draft, name)
        if value is not None:
            raw[name] = value
    if draft.no_markdown:
        raw["markdown_week"] = None
    elif draft.markdown_week is not None:
        raw["markdown_week"] = draft.markdown_week
    if draft.season_start_month is not None and draft.season_start_day is not None:
        raw["_start_parts"] = (draft.season_start_month, draft.season_start_day, draft.season_start_year)
    return raw


@lru_cache(maxsize=1)
def build_agent() -> Agent[ExtractionContext]:
    return Agent[ExtractionContext](
        name="Parameter extractor",
        instructions=_instructions,
        tools=[check_parameters],
        output_type=ParameterDraft,
    )
