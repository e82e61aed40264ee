"""Season Planner — Streamlit entry point: page routing and the sidebar. No business logic here."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Season Planner", page_icon=":material/checkroom:", layout="wide",
                   initial_sidebar_state="expanded")

from ui.feedback import error_messages, render_message  # noqa: E402  (after set_page_config)
from ui.service import demo_dataset, get_service  # noqa: E402
from ui.sidebar import render_sidebar  # noqa: E402

PAGES = [
    st.Page("pages/plan.py", title="Plan", icon=":material/edit_note:", default=True),
    st.Page("pages/forecast.py", title="Forecast & Allocation", icon=":material/insights:"),
    st.Page("pages/approvals.py", title="Approvals", icon=":material/approval:"),
    st.Page("pages/in_season.py", title="In-Season", icon=":material/upload_file:"),
    st.Page("pages/review.py", title="Season Review", icon=":material/summarize:"),
    st.Page("pages/activity.py", title="Activity", icon=":material/timeline:"),
]

navigation = st.navigation(PAGES, position="sidebar")
try:
    service = get_service()
    demo_dataset()  # cached per process: the demo data is there with no clicks
    render_sidebar(service)
except Exception as exc:  # the app cannot work without its database: say why and what to do
    title, messages = error_messages(exc)
    render_message("error", messages + ["Check DATABASE_URL (or the default SQLite file) and reload the page."],
                   title)
    st.stop()
navigation.run()
