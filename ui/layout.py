"""What every page does first: the service, the sidebar (selected season + its status), pending messages.

Each page calls `start_page` itself rather than relying on the router having drawn the sidebar, so a
page run on its own (as Streamlit's AppTest does after switch_page) behaves like the full app.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.feedback import error_messages, render_message, show_flashes
from ui.service import demo_dataset, get_service
from ui.sidebar import render_sidebar


def start_page(title: str, caption: str | None = None) -> tuple[Any, dict[str, Any] | None]:
    """Draw the sidebar and the page title; return the service and the selected season's status (or None)."""
    try:
        service = get_service()
        demo_dataset()  # cached per process: the demo data is there with no clicks
        status = render_sidebar(service)
    except Exception as exc:  # without its database the app cannot work: say why and what to do
        title_text, messages = error_messages(exc)
        render_message("error", messages[:1] + ["What to do: check DATABASE_URL (or the default SQLite file "
                                                "var/season_planner.db) and reload the page."], title_text)
        st.stop()
    show_flashes()
    st.title(title)
    if caption:
        st.caption(caption)
    return service, status


def require_season(status: dict[str, Any] | None) -> dict[str, Any]:
    """Stop the page with a pointer to the Plan page when no season is selected."""
    if status is None:
        st.info("No season selected. Start one on the Plan page, or pick one in the sidebar.")
        st.page_link("pages/plan.py", label="Plan a season", icon=":material/edit_note:")
        st.stop()
    return status
