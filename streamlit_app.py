"""Season Planner — Streamlit entry point: page routing only. Each page draws the shared sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.scrub import install_log_scrubber
from ui.layout import note_router_ran

install_log_scrubber()  # no key or password reaches the server log (tracebacks included)

# A local image: a ":material/..." page icon makes the browser fetch the favicon from a font CDN, so
# offline (or behind a firewall) the tab had no icon. Nothing the app shows may need a network.
ICON = Path(__file__).resolve().parent / "ui" / "assets" / "icon.png"
st.set_page_config(page_title="Season Planner", page_icon=str(ICON), layout="wide",
                   initial_sidebar_state="auto")

PAGES = [
    st.Page("pages/plan.py", title="Plan", icon=":material/edit_note:", default=True),
    st.Page("pages/forecast.py", title="Forecast & Allocation", icon=":material/insights:"),
    st.Page("pages/approvals.py", title="Approvals", icon=":material/approval:"),
    st.Page("pages/in_season.py", title="In-Season", icon=":material/upload_file:"),
    st.Page("pages/review.py", title="Season Review", icon=":material/summarize:"),
    st.Page("pages/scenarios.py", title="Scenarios", icon=":material/compare_arrows:"),
    st.Page("pages/activity.py", title="Activity", icon=":material/timeline:"),
]

note_router_ran()
st.navigation(PAGES, position="sidebar").run()
