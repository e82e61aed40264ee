"""Showing outcomes: every service message is shown as it is, with what to do next; nothing swallowed."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from core.domain.errors import PlannerError, StoredButNotFinished
from core.scrub import scrub
from ui.session import flash, pop_flashes

log = logging.getLogger("season_planner.ui")
T = TypeVar("T")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: str) -> str:
    """Show user-supplied text literally in Markdown (no links, images, or markup from file contents)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def bullet_list(messages: list[str]) -> str:
    return "\n".join(f"- {md_escape(m)}" for m in messages)


def render_message(kind: str, messages: list[str], title: str | None = None) -> None:
    body = bullet_list(messages) if len(messages) != 1 or title else md_escape(messages[0])
    if title:
        body = f"**{md_escape(title)}**\n\n{body}"
    {"error": st.error, "warning": st.warning, "success": st.success, "info": st.info}.get(kind, st.info)(body)


def show_flashes(keep: bool = False) -> None:
    """The messages kept for this run. With `keep` (a step the action started still runs, and the
    page will redraw itself when it ends) they stay for that next run too, so they are not gone
    before the planner could read them."""
    items = pop_flashes()
    for item in items:
        render_message(item["kind"], item["messages"], item.get("title"))
    if keep:
        for item in items:
            flash(item["kind"], item["messages"], item.get("title"))


def error_messages(exc: BaseException) -> tuple[str, list[str]]:
    """A title and the messages for an exception raised by a service call."""
    if isinstance(exc, PlannerError):
        return "Not done — nothing was changed:", [scrub(m) for m in exc.messages] or [scrub(str(exc))]
    if isinstance(exc, StoredButNotFinished):  # the action was stored; only the step after it failed
        return "Stored, but the next step did not finish:", [scrub(m) for m in exc.messages]
    return (
        "Unexpected error — the step did not finish:",
        [scrub(f"{type(exc).__name__}: {exc}"),
         "What to do: check the Activity page; if the season shows 'Needs attention', use Retry there. "
         "If it keeps failing, the server log has the full trace."],
    )


def call_service(fn: Callable[..., T], *args: Any, spinner: str | None = None, keep: bool = False,
                 **kwargs: Any) -> tuple[bool, T | None]:
    """Run one service action; on failure show (or keep for the next run) every message."""
    try:
        if spinner:
            with st.spinner(spinner, show_time=True):
                return True, fn(*args, **kwargs)
        return True, fn(*args, **kwargs)
    except PlannerError as exc:
        title, messages = error_messages(exc)
    except Exception as exc:  # shown to the planner with what to do, and logged with its trace
        log.exception("service call %s failed", getattr(fn, "__name__", fn))
        title, messages = error_messages(exc)
    if keep:
        flash("error", messages, title)
    else:
        render_message("error", messages, title)
    return False, None
