"""Events saying that the optional LLM failed and the deterministic fallback was used.

The workflow never waits on the LLM's success, but the planner (and whoever runs the endpoint)
must be able to see in the timeline that explanations came from templates, or parameters from
the rules, because the LLM call failed - with the error and the attempts made.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from core.orchestrator.steps.results import SKIPPED_MARK, EventSpec  # noqa: F401  (SKIPPED_MARK re-exported)

_MEMO_SIZE = 64


def extraction_fallback(extraction: Any) -> dict[str, Any] | None:
    """What to record when free text was read by the rules because the LLM call failed."""
    error = getattr(extraction, "error", None)
    if not error or getattr(extraction, "source", "rules") != "rules":
        return None
    attempts = int(getattr(extraction, "attempts", 0) or 0)
    skipped = attempts == 0 and SKIPPED_MARK in str(error)
    return {"use": "parameters", "attempts": attempts, "error": str(error), "skipped": skipped, "fallback": "rules"}


def extraction_fallback_event(info: dict[str, Any]) -> EventSpec:
    attempts = int(info["attempts"])
    how = ("skipped after recent failures" if info["skipped"] else
           f"failed after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else "unavailable")
    return EventSpec("llm_fallback", f"LLM {how} reading the parameters from the text: {info['error']}; the "
                                     "rules reading was used (and confirmed by the planner)", "parameters", dict(info))


class ExtractionMemo:
    """Fallbacks of recent extractions, by (database, text): the workflow does not exist yet when
    the text is read, so its event is written when a workflow is started from that text."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: tuple[str, str], info: dict[str, Any] | None) -> None:
        with self._lock:
            if info is None:
                self._items.pop(key, None)
                return
            self._items[key] = info
            self._items.move_to_end(key)
            while len(self._items) > _MEMO_SIZE:
                self._items.popitem(last=False)

    def get(self, key: tuple[str, str]) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(key)


EXTRACTIONS = ExtractionMemo()
