"""What the agents layer hands back to the orchestrator: plain pydantic objects, JSON-friendly."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Extraction(BaseModel):
    """Free text read into SeasonParameters fields, for the planner to confirm in the form.

    `values` holds every SeasonParameters field with defaults resolved (season_start as the date
    the text asked for; the model moves it to its Monday and says so in `notes`).
    """

    values: dict[str, Any]
    found: list[str] = Field(default_factory=list)  # fields actually read from the text
    flagged: list[str] = Field(default_factory=list)  # left at default / adjusted / rejected
    notes: list[str] = Field(default_factory=list)
    source: Literal["llm", "rules"] = "rules"
    attempts: int = 0  # LLM attempts made (0 when no LLM was called)
    error: str | None = None  # last LLM error, when the LLM path failed


class Explanation(BaseModel):
    """Plain-language explanation of one decision, stored with the event that made it."""

    text: str
    source: Literal["llm", "template"] = "template"
    attempts: int = 0
    error: str | None = None
