"""Typed run contexts handed to the SDK agents (full objects, not ids). No SDK import here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel


@dataclass
class ExplainContext:
    """What an explaining agent may look at: the decision kind, its facts, the template text.

    `facts` may carry full domain objects (SeasonParameters under "params", ForecastResult under
    "forecast", ...); tools read them from here instead of asking the model to copy numbers.
    """

    kind: str
    facts: dict[str, Any]
    template: str


@dataclass
class ExtractionContext:
    categories: list[str]
    history_end: date | None
    today: date | None
    checked: list[str] = field(default_factory=list)  # validation messages the tool returned


def facts_json(facts: dict[str, Any], limit: int = 6000) -> str:
    """Facts as compact JSON for the prompt; domain objects are dumped, long output is cut."""

    def default(obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            return obj.model_dump(mode="json")
        if isinstance(obj, (date,)):
            return obj.isoformat()
        if isinstance(obj, (set, tuple)):
            return list(obj)
        return str(obj)

    text = json.dumps(facts, default=default, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "...(cut)"
