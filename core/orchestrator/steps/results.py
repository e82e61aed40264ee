"""What a step returns (the step contract of docs/architecture.md): typed, no database objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.domain.models import ForecastResult
from core.orchestrator.steps.context import WorkflowContext
from core.orchestrator.steps.states import State

SKIPPED_MARK = "endpoint skipped"  # core.agents.runtime: the breaker is open after recent failures


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


def step_fallback_event(events: list[EventSpec], step: str) -> EventSpec | None:
    """One event for all explanations of a step whose LLM text was not used (None when all worked
    or no LLM is configured)."""
    failed = [ev.data["llm_fallback"] for ev in events if isinstance(ev.data.get("llm_fallback"), dict)]
    if not failed:
        return None
    kinds = list(dict.fromkeys(str(f["kind"]) for f in failed))
    attempts = max(int(f.get("attempts") or 0) for f in failed)
    # The most informative error: one from a call that really tried, else the skip notice.
    tried = [f for f in failed if int(f.get("attempts") or 0) > 0]
    error = str((tried or failed)[-1]["error"])
    skipped = not tried and any(SKIPPED_MARK in str(f["error"]) for f in failed)
    how = ("skipped after recent failures" if skipped else
           f"failed after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else "unavailable")
    n = len(failed)
    message = (f"LLM {how} for {n} explanation{'s' if n != 1 else ''} ({', '.join(kinds)}): {error}; "
               "the template explanations were used")
    return EventSpec("llm_fallback", message, step, {"use": "explanation", "kinds": kinds, "calls": n,
                                                     "attempts": attempts, "error": error, "skipped": skipped,
                                                     "fallback": "template"})


def error_text(exc: BaseException) -> str:
    """The error as the planner reads it, with API keys and passwords removed (core/scrub.py)."""
    from core.domain.errors import PlannerError
    from core.scrub import scrub

    if isinstance(exc, PlannerError):
        return scrub("; ".join(exc.messages))
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return scrub(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
