"""Session state helpers: the selected workflow (mirrored in the URL), flash messages, processed files."""

from __future__ import annotations

from typing import Any

import streamlit as st

WF_KEY = "workflow_id"
FLASH_KEY = "_flash"
STATUS_KEY = "_status"
RUN_KEY = "_run_number"  # script runs of this session, all pages (counted by the sidebar)


def count_run() -> None:
    st.session_state[RUN_KEY] = int(st.session_state.get(RUN_KEY, 0)) + 1


def selected_workflow() -> str | None:
    """The workflow picked in this session, else the one in the URL (so a reload keeps it)."""
    if WF_KEY not in st.session_state:
        from_url = st.query_params.get("wf")
        st.session_state[WF_KEY] = from_url or None
    return st.session_state[WF_KEY]


def select_workflow(workflow_id: str | None) -> None:
    st.session_state[WF_KEY] = workflow_id
    sync_url()


def sync_url() -> None:
    workflow_id = st.session_state.get(WF_KEY)
    if workflow_id:
        if st.query_params.get("wf") != workflow_id:
            st.query_params["wf"] = workflow_id
    elif "wf" in st.query_params:
        del st.query_params["wf"]


def flash(kind: str, messages: list[str] | str, title: str | None = None) -> None:
    """Keep a message across the st.rerun() that follows an action; shown once on the next run."""
    if isinstance(messages, str):
        messages = [messages]
    st.session_state.setdefault(FLASH_KEY, []).append({"kind": kind, "title": title, "messages": messages})


def pop_flashes() -> list[dict[str, Any]]:
    return st.session_state.pop(FLASH_KEY, [])


def remember_status(status: Any) -> None:
    st.session_state[STATUS_KEY] = status


def current_status() -> Any:
    """The status document the router read for this run (None when no workflow is selected)."""
    return st.session_state.get(STATUS_KEY)
