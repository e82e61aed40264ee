"""Activity: the live event timeline and the phase graph (done / running / waiting / skipped)."""

from __future__ import annotations


import pandas as pd
import streamlit as st

from ui.charts import show
from ui.feedback import call_service, md_escape
from ui.figures import PHASE_STATUS_LABELS, phase_graph_figure
from ui.layout import require_season, start_page
from ui.format import fmt_when, state_label
from ui.session import flash

REFRESH_S = 2.0  # while a step runs (here, in another tab or from the CLI)
IDLE_REFRESH_S = 15.0  # otherwise, to notice a step started elsewhere

service, status = start_page("Activity")
status = require_season(status)

wf = status.workflow_id
if status.why_not("retry") is None:
    with st.container(border=True):
        st.error("A step failed after 3 retries. The error: " + md_escape(str(status.last_error or "unknown")),
                 icon=":material/error:")
        st.write("What to do: fix the cause if it is named above (e.g. the database was locked or a file was "
                 "unreadable), then retry the step. Nothing that already finished is repeated.")
        if st.button("Retry", type="primary", icon=":material/refresh:", key="retry"):
            ok, doc = call_service(service.retry, wf, spinner="Retrying the failed step…")
            if ok:
                flash("success", f"Retried: the season is now {state_label(doc.state)}.")
                st.rerun()

running = status.running_step is not None


@st.fragment(run_every=REFRESH_S if running else IDLE_REFRESH_S)
def live() -> None:
    # Re-read on every tick (a few ms) so the timeline moves while another session or the CLI runs a step.
    doc = service.status(wf)
    if doc.running_step is not None and not running:
        st.rerun()  # a step started elsewhere: redraw the page so the fragment polls at the fast rate
    if doc.running_step is None and running:
        st.rerun()  # the step finished: redraw the page (and the sidebar) with its result
    if doc.running_step:
        st.info(f"Running: {md_escape(doc.running_step)} — this page refreshes every {REFRESH_S:.0f} s.",
                icon=":material/hourglass_top:")
    phases = [p.model_dump() for p in doc.phases]
    if phases:
        show(phase_graph_figure(phases), key="phase_graph", static=True)
        table = pd.DataFrame([{"phase": f"{p['index']} · {str(p['phase']).capitalize()}",
                               "status": PHASE_STATUS_LABELS.get(p["status"], p["status"]),
                               "detail": p["reason"] or ""} for p in phases])
        st.dataframe(table, hide_index=True)
    skips = dict.fromkeys(f"{skip.phase}: {skip.reason}" for skip in doc.skipped)
    for skip in skips:  # the same skip recorded on several weeks is listed once
        st.caption("Skipped — " + md_escape(skip))

    st.subheader("Timeline", divider="gray", anchor=False)
    events = [e.model_dump() for e in service.events(wf)]
    if not events:
        st.caption("No events yet.")
        return
    kinds = sorted({e["kind"] for e in events})
    shown = st.multiselect("Filter by kind", kinds, default=[], key="ev_kinds", placeholder="All kinds")
    # The message comes second so it stays in view when a narrow window cuts the table's right side.
    rows = [{"time (UTC)": fmt_when(e["ts"]), "message": e["message"], "kind": e["kind"],
             "step": e.get("step") or ""} for e in reversed(events) if not shown or e["kind"] in shown]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 560),
                 column_config={"message": st.column_config.TextColumn("message", width="large")})
    st.caption(f"{len(events)} events, newest first.")


live()
