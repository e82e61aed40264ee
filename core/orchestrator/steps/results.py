"""What a step returns (the step contract of docs/architecture.md): typed, no database objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.domain.models import ForecastResult
from core.orchestrator.steps.context import WorkflowContext
from core.orchestrator.steps.states import State


@dataclass(frozen=True)
class ExplanationRequest:
    """Typed facts for one plain-language explanation, written after the step commits."""

    kind: str
    facts: dict[str, Any]
    week: int | None = None


@dataclass
class EventSpec:
    kind: str
    message: str
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    explain: ExplanationRequest | None = None


@dataclass
class ApprovalSpec:
    kind: str  # order | markdown
    proposed: float
    week: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepResult:
    state: State
    context: WorkflowContext
    events: list[EventSpec] = field(default_factory=list)
    approval: ApprovalSpec | None = None
    forecasts: list[tuple[int, str, int, ForecastResult]] = field(default_factory=list)  # rev, reason, week, fc
    plans: list[tuple[str, int, int, dict[str, Any]]] = field(default_factory=list)  # kind, rev, week, data

    def explanation_requests(self) -> list[ExplanationRequest]:
        return [ev.explain for ev in self.events if ev.explain is not None]


def _with_explanation(ev: EventSpec, kind: str, facts: dict[str, Any], week: int | None = None) -> None:
    ev.explain = ExplanationRequest(kind=kind, facts=facts, week=week)
