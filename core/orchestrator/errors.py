"""Errors of the orchestrator; each carries readable `.messages` (see core.domain.errors)."""

from __future__ import annotations

from core.domain.errors import PlannerError


class ActionNotAllowed(PlannerError):
    """The action does not apply to the workflow's current state."""


class AlreadyDecided(PlannerError):
    """Someone else decided this approval first; their decision stands."""


class WeekAlreadyStored(PlannerError):
    """Actuals for this week exist; upload again with replace to supersede them."""

    def __init__(self, messages: list[str] | str, week: int):
        self.week = week
        super().__init__(messages)


class MissingStores(PlannerError):
    """Some stores have no rows in the file; they count as zero only if the planner confirms."""

    def __init__(self, messages: list[str] | str, stores: list[str]):
        self.stores = stores
        super().__init__(messages)


class NotFound(PlannerError):
    """No workflow / dataset / approval with that id."""


class ConcurrencyConflict(PlannerError):
    """The workflow changed between reading and writing (someone else acted first)."""


class TransientStepError(Exception):
    """A failure worth retrying (I/O hiccup, lock, timeout). Raised by steps or test hooks."""
