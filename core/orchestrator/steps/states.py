"""Workflow states and the transitions between them (docs/planning-rules.md §1), as plain data.

Which actions a state allows is written out here once so the service, the CLI and the UI give
the same answer, with a reason, when an action does not apply.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    FORECASTING = "forecasting"
    AWAITING_ORDER_APPROVAL = "awaiting_order_approval"
    ALLOCATING = "allocating"
    IN_SEASON = "in_season"
    AWAITING_MARKDOWN_APPROVAL = "awaiting_markdown_approval"
    CLOSED = "closed"
    NEEDS_ATTENTION = "needs_attention"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.FORECASTING}),
    State.FORECASTING: frozenset({State.AWAITING_ORDER_APPROVAL, State.NEEDS_ATTENTION}),
    State.AWAITING_ORDER_APPROVAL: frozenset({State.ALLOCATING}),
    State.ALLOCATING: frozenset({State.IN_SEASON, State.NEEDS_ATTENTION}),
    # in_season -> in_season: a week was processed (or re-processed) without leaving the season
    State.IN_SEASON: frozenset(
        {State.IN_SEASON, State.AWAITING_MARKDOWN_APPROVAL, State.CLOSED, State.NEEDS_ATTENTION}
    ),
    State.AWAITING_MARKDOWN_APPROVAL: frozenset({State.IN_SEASON, State.CLOSED, State.NEEDS_ATTENTION}),
    State.CLOSED: frozenset(),
    # retry puts the workflow back into the state of the step that failed
    State.NEEDS_ATTENTION: frozenset({State.FORECASTING, State.ALLOCATING, State.IN_SEASON,
                                      State.AWAITING_MARKDOWN_APPROVAL}),
}

# The state a step runs in; retry() returns the workflow there.
STEP_STATE: dict[str, State] = {
    "forecast": State.FORECASTING,
    "allocate": State.ALLOCATING,
    "week": State.IN_SEASON,
    "markdown": State.IN_SEASON,
    "close": State.IN_SEASON,
}


def can_transition(src: str, dst: str) -> bool:
    return State(dst) in TRANSITIONS[State(src)]


def check_transition(src: str, dst: str) -> None:
    if not can_transition(src, dst):
        raise ValueError(f"illegal transition {src} -> {dst}")


def why_not(action: str, state: str) -> str | None:
    """None when `action` is allowed in `state`, else the reason a planner can act on."""
    s = State(state)
    if action == "decide":
        if s in (State.AWAITING_ORDER_APPROVAL, State.AWAITING_MARKDOWN_APPROVAL):
            return None
        return f"nothing to decide: the workflow is {s.value}, no approval is pending"
    if action in ("upload", "close"):
        verb = "weekly actuals can be uploaded" if action == "upload" else "the season can be closed"
        if s is State.IN_SEASON or (action == "close" and s is State.NEEDS_ATTENTION):
            return None  # a failed step never wedges a season: it can be closed with what happened
        if s is State.AWAITING_MARKDOWN_APPROVAL:
            return (f"the markdown proposal is awaiting approval; decide it first (Accept or Modify), "
                    f"then {verb}")
        if s in (State.DRAFT, State.FORECASTING, State.AWAITING_ORDER_APPROVAL, State.ALLOCATING):
            return f"the season has not started: the workflow is {s.value}; {verb} once the order is approved"
        if s is State.CLOSED:
            return "the season is closed"
        if s is State.NEEDS_ATTENTION:
            return (f"the workflow needs attention after a failed step; retry it first, then {verb} "
                    "(or close the season)")
    if action == "retry":
        return None if s is State.NEEDS_ATTENTION else f"nothing to retry: the workflow is {s.value}"
    if action == "report":
        return None if s is State.CLOSED else (
            f"the season report exists once the season is closed; the workflow is {s.value} "
            "(upload the remaining weeks or close the season early)")
    return None
