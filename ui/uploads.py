"""Weekly actuals uploads from the page: ordering by date, submitting once, follow-up confirmations."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.domain.errors import IngestError, PartialWeek, PlannerError
from core.domain.errors import ActionNotAllowed, MissingStores, WeekAlreadyStored
from ui.feedback import error_messages

PEEK_BYTES = 65_536


def first_date(data: bytes) -> date | None:
    """The date on the first data row (only to submit several files in calendar order)."""
    text = data[:PEEK_BYTES].decode("utf-8-sig", errors="replace")
    rows = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(rows)]
        column = header.index("date")
        for row in rows:
            if len(row) > column and row[column].strip():
                return date.fromisoformat(row[column].strip())
    except (StopIteration, ValueError):
        return None
    return None


@dataclass
class UploadResult:
    """What happened to one uploaded file; kept in session state so a rerun never resubmits it."""

    name: str
    kind: str  # stored | queued | replace | missing | partial | waiting | rejected | error
    messages: list[str]
    week: int | None = None
    data: bytes | None = field(default=None, repr=False)  # kept only while a confirmation is offered
    replace: bool = False
    missing_as_zero: bool = False
    missing_stores: list[str] = field(default_factory=list)
    title: str | None = None
    partial: bool = False  # confirmed as a partial week
    missing_dates: list[date] = field(default_factory=list)


def submit(service: Any, workflow_id: str, name: str, data: bytes, *, replace: bool = False,
           missing_as_zero: bool = False, partial: bool = False) -> tuple[UploadResult, Any]:
    """One service call; every outcome becomes a result the page can show and act on."""
    flags = dict(replace=replace, missing_as_zero=missing_as_zero, partial=partial)
    try:
        doc = service.upload_actuals(workflow_id, data, name, replace=replace,
                                     confirm_missing_as_zero=missing_as_zero, confirm_partial_week=partial)
    except WeekAlreadyStored as exc:
        return UploadResult(name, "replace", list(exc.messages), week=exc.week, data=data, **flags), None
    except MissingStores as exc:
        return UploadResult(name, "missing", list(exc.messages), data=data, missing_stores=list(exc.stores),
                            **flags), None
    except PartialWeek as exc:  # before IngestError: it is one, but the planner may confirm it
        return UploadResult(name, "partial", list(exc.messages), week=exc.week, data=data,
                            missing_dates=list(exc.missing_dates), **flags), None
    except ActionNotAllowed as exc:
        # e.g. a markdown decision pending: the page tries the file again once the season allows it.
        # (A week ahead of a missing one is not refused: it is queued in the database.)
        return UploadResult(name, "waiting", list(exc.messages), data=data, replace=replace,
                            missing_as_zero=missing_as_zero), None
    except IngestError as exc:
        return UploadResult(name, "rejected", list(exc.messages),
                            title=f"{name} was rejected — nothing was stored. Fix these and upload again:"), None
    except PlannerError as exc:
        title, messages = error_messages(exc)
        return UploadResult(name, "rejected", messages, title=f"{name}: {title}"), None
    except Exception as exc:  # shown with what to do; the page never swallows it
        title, messages = error_messages(exc)
        return UploadResult(name, "error", messages, title=f"{name}: {title}"), None
    queued = next((q for q in getattr(doc, "queued_weeks", None) or [] if q.filename == name), None)
    if queued is not None:  # stored in the database, applied by the engine once the weeks before it are in
        why = (f"week {queued.waits_for} is not in yet, so week {queued.week} is queued and applied as soon as it "
               "is" if queued.waiting_for.startswith("week") else
               f"the markdown awaits a decision, so week {queued.week} is queued and applied right after it")
        return UploadResult(name, "queued", [f"{name} holds week {queued.week}; {why}"], week=queued.week,
                            **flags), doc
    return UploadResult(name, "stored", [], **flags), doc


def retry_waiting(service: Any, workflow_id: str, results: dict[str, UploadResult]) -> bool:
    """Resubmit files that were refused for their order, earliest date first, until none progresses."""
    progressed = False
    while True:
        waiting = sorted(((fid, r) for fid, r in results.items() if r.kind == "waiting"),
                         key=lambda item: (first_date(item[1].data or b"") or date.max, item[1].name))
        moved = False
        for file_id, result in waiting:
            new, _ = submit(service, workflow_id, result.name, result.data or b"", replace=result.replace,
                            missing_as_zero=result.missing_as_zero, partial=result.partial)
            new.week = new.week or result.week
            results[file_id] = new
            if new.kind != "waiting":
                moved = progressed = True
        if not moved:
            return progressed
