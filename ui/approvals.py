"""Shapes of the approval views used by the Approvals page (plain look-ups, no decisions)."""

from __future__ import annotations

from typing import Any

from ui.format import as_dict


def explanation_for(status: dict[str, Any], kind: str) -> str | None:
    """The stored plain-language explanation of an order or markdown proposal, if any."""
    explanations = status.get("explanations")
    if isinstance(explanations, dict):
        value = explanations.get(kind)
        if isinstance(value, dict):
            return value.get("text")
        return value
    if isinstance(explanations, list):
        for item in reversed(explanations):
            item = as_dict(item)
            if item.get("kind") == kind:
                return item.get("text")
    return None


def approval_rows(approvals: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for a in approvals:
        a = as_dict(a)
        rows.append(a)
    return rows
