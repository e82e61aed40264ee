"""`extract_parameters`: free text -> SeasonParameters fields, by LLM when configured, else by rules.

Either way the result is validated by SeasonParameters and the planner confirms it in the form.
An LLM answer that fails validation, is malformed or never arrives is replaced by the rules
reading, with the reason flagged and recorded (`attempts`, `error`).
"""

from __future__ import annotations

from datetime import date

from core.agents.extraction import extract_from_draft, extract_with_rules
from core.agents.results import Extraction
from core.agents.settings import LLMSettings, load_settings


def extract_parameters(
    text: str,
    *,
    categories: list[str],
    history_end: date | None = None,
    today: date | None = None,
    settings: LLMSettings | None = None,
) -> Extraction:
    settings = settings or load_settings()
    if not settings.enabled:
        return extract_with_rules(text, categories=categories, history_end=history_end, today=today)

    try:
        from core.agents.context import ExtractionContext
        from core.agents.parameter_agent import build_agent, draft_to_raw
        from core.agents.runtime import call_agent

        ctx = ExtractionContext(categories=list(categories), history_end=history_end, today=today)
        outcome = call_agent(build_agent(), text, settings=settings, context=ctx)
    except Exception as exc:  # the SDK failed to load: rules still work
        return extract_with_rules(
            text, categories=categories, history_end=history_end, today=today, error=f"{type(exc).__name__}: {exc}",
            extra_flags=[f"LLM unavailable ({type(exc).__name__}): parameters read with rules instead"],
        )

    if outcome.output is None:
        why = "skipped after recent failures" if outcome.skipped else f"failed after {outcome.attempts} attempts"
        return extract_with_rules(
            text, categories=categories, history_end=history_end, today=today,
            attempts=outcome.attempts, error=outcome.error,
            extra_flags=[f"LLM {why} ({outcome.error}): parameters read with rules instead"],
        )

    draft = outcome.output
    result = extract_from_draft(
        draft_to_raw(draft, ctx), draft.category, list(draft.unclear or []), text=text, categories=categories,
        history_end=history_end, today=today, attempts=outcome.attempts,
    )
    if isinstance(result, Extraction):
        return result
    error = "; ".join(result)
    return extract_with_rules(
        text, categories=categories, history_end=history_end, today=today, attempts=outcome.attempts, error=error,
        extra_flags=[f"LLM answer rejected by validation ({error}): parameters read with rules instead"],
    )
