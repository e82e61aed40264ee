"""Shapes of the approval views used by the Approvals page (plain look-ups, no decisions)."""

from __future__ import annotations

from typing import Any

from core.orchestrator.queries.status import StatusDocument
from ui.format import as_dict


def explanation_for(status: StatusDocument, kind: str) -> str | None:
    """The plain-language explanation of an order or markdown proposal, once written (it is written
    right after the step, so it may arrive a moment after the proposal)."""
    explanation = status.explanations.get(kind)
    return explanation.text if explanation is not None else None


def approval_rows(approvals: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for a in approvals:
        a = as_dict(a)
        rows.append(a)
    return rows


SEEN_KEY = "approval_seen"  # the pending approval this browser tab last showed: {"id", "kind"}
DECIDED_HERE_KEY = "approval_decided_here"  # approval ids this tab decided itself


def decided_elsewhere(seen: dict[str, Any] | None, pending: Any, approvals: list[Any],
                      decided_here: set[int] | None = None) -> str | None:
    """What to tell a tab that showed an approval which another tab (or the CLI) has decided since.

    `seen` is the approval the tab showed on its previous run; None when nothing was shown, when it is
    still pending, or when this tab decided it.
    """
    if not seen or seen.get("id") is None:
        return None
    pending = as_dict(pending) or {}
    if (pending.get("approval_id") or pending.get("id")) == seen["id"]:
        return None
    if seen["id"] in (decided_here or set()):
        return None
    row = next((as_dict(a) for a in approvals if as_dict(a).get("id") == seen["id"]), None)
    what = "The manufacturing order" if seen.get("kind") == "order" else "The markdown"
    if row is None or row.get("status") == "pending":
        return f"{what} you were looking at was decided elsewhere; the page now shows where the season stands."
    kind = row.get("kind")
    value = row.get("decided")
    shown = (f"{round(float(value)):,} units" if kind == "order" else f"{float(value) * 100:.0f}% off") \
        if value is not None else "—"
    by = f" by {row['decided_by']}" if row.get("decided_by") else ""
    return (f"{what} was decided elsewhere{by} ({row.get('status')}: {shown}) while this page showed it; "
            "nothing you did here was applied.")
