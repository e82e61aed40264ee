"""Sidebar: pick or start a workflow; its state, phase progress and any pending approval."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.domain.errors import PlannerError
from ui.feedback import md_escape, render_message
from ui.format import STATE_ICONS, as_dict, fmt_date, fmt_int, fmt_pct, state_label
from ui.session import remember_status, select_workflow, selected_workflow, sync_url

NEW = "__new__"
DONE_STATUSES = {"done", "skipped"}


def workflow_label(summary: dict[str, Any]) -> str:
    start = fmt_date(summary.get("season_start")) if summary.get("season_start") else ""
    parts = [str(summary.get("category") or "season"), start, state_label(summary.get("state"))]
    return " · ".join(p for p in parts if p) + f"  [{str(summary.get('workflow_id'))[:8]}]"


def pending_text(pending: dict[str, Any] | None) -> str | None:
    if not pending:
        return None
    proposal = pending.get("proposal")
    if pending.get("kind") == "order":
        return f"Manufacturing order awaiting approval: {fmt_int(proposal)} units"
    if pending.get("kind") == "markdown":
        return f"Markdown awaiting approval: {fmt_pct(proposal, 0)} off"
    return f"{pending.get('kind')} awaiting approval"


def render_sidebar(service: Any) -> dict[str, Any] | None:
    """Draw the sidebar and return the selected workflow's status document (as a dict) or None."""
    summaries = [as_dict(s) for s in service.list_workflows()]
    ids = [s["workflow_id"] for s in summaries]
    labels = {s["workflow_id"]: workflow_label(s) for s in summaries}
    current = selected_workflow()
    if current and current not in ids:
        render_message("warning", [f"Season {current} was not found in this database; pick another."])
        select_workflow(None)
        current = None

    with st.sidebar:
        st.markdown("### :material/checkroom: Season Planner")
        options = [NEW] + ids
        # The widget key follows the selection, so a selection made by a page (e.g. after Start season)
        # draws a fresh picker on that choice instead of the picker's stale state undoing it.
        widget_key = f"sidebar_workflow_{current or NEW}"

        def _picked() -> None:
            value = st.session_state.get(widget_key)
            select_workflow(None if value == NEW else value)

        st.selectbox(
            "Season", options, index=options.index(current) if current else 0,
            format_func=lambda wid: "New season (Plan page)" if wid == NEW else labels.get(wid, wid),
            key=widget_key, on_change=_picked, help="Seasons stored in the planner database, newest first.")
        sync_url()
        if current is None:
            st.caption("Describe a season on the Plan page to start one.")
            remember_status(None)
            return None
        try:
            status = as_dict(service.status(current))
        except PlannerError as exc:
            render_message("error", list(exc.messages), "Could not read this season:")
            remember_status(None)
            return None
        remember_status(status)
        _status_block(status)
    return status


def _status_block(status: dict[str, Any]) -> None:
    state = status.get("state")
    params = status.get("parameters") or {}
    st.markdown(f"{STATE_ICONS.get(state, '')} **{state_label(state)}**")
    st.caption(f"{md_escape(params.get('category', ''))} · {fmt_date(params.get('season_start'))} · "
               f"{params.get('horizon_weeks', '?')} weeks · v{status.get('version', '?')}")
    phases = status.get("phases") or []
    if phases:
        done = sum(1 for p in phases if p.get("status") in DONE_STATUSES)
        st.progress(done / len(phases), text=f"Phases done: {done} of {len(phases)}")
    weeks = [w for w in status.get("weeks") or [] if w.get("actual") is not None]
    if params.get("horizon_weeks") and state not in ("draft", "forecasting", "awaiting_order_approval"):
        st.caption(f"Actuals received: {len(weeks)} of {params['horizon_weeks']} weeks")
    text = pending_text(status.get("pending"))
    if text:
        st.warning(text, icon=":material/pending_actions:")
        st.page_link("pages/approvals.py", label="Decide on the Approvals page", icon=":material/approval:")
    if state == "needs_attention":
        st.error("A step failed after retries. See Activity for the error and Retry.", icon=":material/error:")
        st.page_link("pages/activity.py", label="Open Activity", icon=":material/timeline:")
