"""Errors that carry readable messages; every adapter (CLI, pages) shows `.messages` as they are."""

from __future__ import annotations

from pydantic import BaseModel


class PlannerError(Exception):
    """Rejected input or an action not allowed now. Nothing was changed."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


class Problem(BaseModel):
    file: str
    row: int | None = None  # 1-based file line, header = line 1
    column: str | None = None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class IngestError(PlannerError):
    """A rejected upload: every problem found (capped), with file, row and column."""

    def __init__(self, problems: list[Problem], truncated: int = 0):
        self.problems = problems
        self.truncated = truncated
        messages = [str(p) for p in problems]
        if truncated:
            messages.append(f"... and {truncated} more problems not shown")
        super().__init__(messages)


class InfeasibleSeason(PlannerError):
    """Parameters and data that could never reach the end of a season (docs/planning-rules.md §7, feasibility)."""


class QuantityOutOfRange(PlannerError):
    """An order quantity or markdown depth that cannot be planned with (not finite, zero, too big)."""


class PartialWeek(IngestError):
    """An actuals file lacking whole days of its week: stored only once the planner confirms it as partial."""

    def __init__(self, problems: list[Problem], *, week: int, missing_dates: list):
        self.week = week
        self.missing_dates = list(missing_dates)
        super().__init__(problems)


class StoredButNotFinished(Exception):
    """The planner's action WAS stored, but the step it started could not finish (disk full, database
    gone). Deliberately not a PlannerError: "nothing was changed" would be untrue. The step is still
    pending and runs again on the next status or Retry once the cause is fixed."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


# ------------------------------------------------------------------ workflow errors
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
    """A failure worth retrying (I/O hiccup, lock, timeout). Raised by steps or injected faults."""
