"""What every page does first: the service, the sidebar (selected season + its status), pending messages.

Each page calls `start_page` itself rather than relying on the router having drawn the sidebar, so a
page run on its own (as Streamlit's AppTest does after switch_page) behaves like the full app.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.feedback import error_messages, render_message, show_flashes
from ui.service import demo_dataset, get_service
from core.orchestrator.queries.status import StatusDocument
from ui.live import running_panel, step_running
from ui.sidebar import render_sidebar


_router_has_run = False


def note_router_ran() -> None:
    """Called by streamlit_app.py: from now on this process serves requests through st.navigation."""
    global _router_has_run
    _router_has_run = True


def _route_through_the_router() -> None:
    """Make sure a request runs under streamlit_app.py's st.navigation, not Streamlit's legacy mode.

    Streamlit treats an app with a pages/ folder as a legacy multipage app until the main script has
    called st.navigation once in the server process. If the first request after a server start is a
    page URL (a bookmark, a browser reload after a restart), the page would run on its own: a menu of
    file names and no wide layout. Leaving legacy mode and rerunning lets the router serve the request.
    Once the router has run in this process there is nothing to fix (and Streamlit's AppTest, which
    runs page files on their own after the router, must not be rerouted).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not _router_has_run and PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def start_page(title: str, caption: str | None = None) -> tuple[Any, StatusDocument | None]:
    """Draw the sidebar and the page title; return the service and the selected season's status (or None)."""
    _route_through_the_router()
    try:
        service = get_service()
        demo_dataset()  # cached per process: the demo data is there with no clicks
        status = render_sidebar(service)
    except Exception as exc:  # without its database the app cannot work: say why and what to do
        title_text, messages = error_messages(exc)
        render_message("error", messages[:1] + ["What to do: check DATABASE_URL (or the default SQLite file "
                                                "var/season_planner.db) and reload the page."], title_text)
        st.stop()
    show_flashes(keep=step_running(status))
    st.title(title)
    if caption:
        st.caption(caption)
    running_panel(service, status)
    return service, status


def require_season(status: StatusDocument | None) -> StatusDocument:
    """Stop the page with a pointer to the Plan page when no season is selected."""
    if status is None:
        st.info("No season selected. Start one on the Plan page, or pick one in the sidebar.")
        st.page_link("pages/plan.py", label="Plan a season", icon=":material/edit_note:")
        st.stop()
    return status
