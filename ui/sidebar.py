"""Sidebar: pick or start a workflow; its state, phase progress and any pending approval."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.domain.errors import PlannerError
from core.orchestrator.steps.states import State
from core.orchestrator.queries.status import PendingApproval, StatusDocument
from ui.feedback import md_escape, render_message
from ui.format import STATE_ICONS, as_dict, fmt_date, fmt_int, fmt_pct, state_label
from ui.session import count_run, remember_status, select_workflow, selected_workflow, sync_url

NEW = "__new__"
DONE_STATUSES = {"done", "skipped"}


def workflow_label(summary: dict[str, Any]) -> str:
    start = fmt_date(summary.get("season_start")) if summary.get("season_start") else ""
    # No state in the label: a label that changes while a step runs in the background would make the
    # picker lose its selection on the next rerun (the browser sends the selection back by its label).
    weeks = f"{summary['horizon_weeks']} wks" if summary.get("horizon_weeks") else ""
    created = summary.get("created_at")
    started = f"started {created:%b %d %H:%M}" if hasattr(created, "strftime") else ""
    parts = [str(summary.get("category") or "season"), start, weeks, started]
    return " · ".join(p for p in parts if p) + f"  [{summary.get('workflow_id')}]"


def distinct_labels(summaries: list[dict[str, Any]]) -> dict[str, str]:
    """One label per season; seasons that would read the same (same category, start, length, minute)
    are numbered in the order they were started, oldest first."""
    labels = {s["workflow_id"]: workflow_label(s) for s in summaries}
    by_text: dict[str, list[dict[str, Any]]] = {}
    for s in summaries:
        by_text.setdefault(labels[s["workflow_id"]].rsplit("  [", 1)[0], []).append(s)
    for text, same in by_text.items():
        if len(same) > 1:
            for n, s in enumerate(sorted(same, key=lambda x: (str(x.get("created_at")), x["workflow_id"])), start=1):
                labels[s["workflow_id"]] = f"{text} (#{n})  [{s['workflow_id']}]"
    return labels


def pending_text(pending: PendingApproval | None) -> str | None:
    if pending is None:
        return None
    if pending.kind == "order":
        return f"Manufacturing order awaiting approval: {fmt_int(pending.proposal)} units"
    return f"Markdown awaiting approval: {fmt_pct(pending.proposal, 0)} off"


def render_sidebar(service: Any) -> StatusDocument | None:
    """Draw the sidebar and return the selected workflow's status document or None."""
    count_run()
    summaries = [as_dict(s) for s in service.list_workflows()]
    ids = [s["workflow_id"] for s in summaries]
    labels = distinct_labels(summaries)
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
            status = service.status(current)
        except PlannerError as exc:
            render_message("error", list(exc.messages), "Could not read this season:")
            remember_status(None)
            return None
        remember_status(status)
        _status_block(status)
    return status


def _status_block(status: StatusDocument) -> None:
    state = status.state
    params = status.parameters
    st.markdown(f"{STATE_ICONS.get(state, '')} **{state_label(state)}**")
    st.caption(f"{md_escape(status.category)} · {fmt_date(params.get('season_start'))} · "
               f"{params.get('horizon_weeks', '?')} weeks · v{status.version}")
    if status.phases:
        done = sum(1 for p in status.phases if p.status in DONE_STATUSES)
        st.progress(done / len(status.phases), text=f"Phases done: {done} of {len(status.phases)}")
    if status.allocation:
        st.caption(f"Actuals received: {status.weeks_done} of {params.get('horizon_weeks')} weeks")
    if status.running_step:
        st.info(f"Running: {status.running_step}", icon=":material/hourglass_top:")
    text = pending_text(status.pending)
    if text:
        st.warning(text, icon=":material/pending_actions:")
        st.page_link("pages/approvals.py", label="Decide on the Approvals page", icon=":material/approval:")
    if state is State.NEEDS_ATTENTION:
        st.error("A step failed after retries. See Activity for the error and Retry.", icon=":material/error:")
        st.page_link("pages/activity.py", label="Open Activity", icon=":material/timeline:")
