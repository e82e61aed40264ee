"""Following a running step live: the action returned at once, the step runs in the background.

While a step is pending or running, every page shows a panel that re-reads the status each second
(a Streamlit fragment, so only the panel reruns): which step, for how long, the phases done, the
events as they arrive, and a warning past 60 s (docs/planning-rules.md §5). When the step has finished, the
whole page reruns once and shows the result. Other pages stay usable meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import streamlit as st

from ui.feedback import md_escape

POLL_S = 1.0
SLOW_S = 60.0
STEP_LABELS = {"forecast": "Forecasting demand and sizing the order", "allocate": "Clustering stores and allocating",
               "week": "Processing the week's actuals", "markdown": "Applying the markdown decision",
               "close": "Closing the season and writing the report"}


def step_running(status: Any) -> bool:
    return status is not None and bool(getattr(status, "running_step", None))


def running_panel(service: Any, status: Any) -> None:
    """Draw the live panel for the selected season's running step. When none runs, an empty
    container holds its place, so the elements below keep their positions when a step ends (an
    expander the planner opened below it stays open)."""
    if not step_running(status):
        st.container()
        return
    workflow_id = status.workflow_id

    @st.fragment(run_every=POLL_S)
    def _follow() -> None:
        doc = service.status(workflow_id)
        if doc.running_step is None:
            st.rerun()  # the step is done: redraw the whole page with its result
        label = STEP_LABELS.get(doc.running_step, f"Running {doc.running_step}")
        since = doc.running_since
        elapsed = (datetime.now(timezone.utc) - since).total_seconds() if since else 0.0
        done = sum(1 for p in doc.phases if p.status in ("done", "skipped"))
        claim = getattr(doc, "step_claim", None)
        with st.container():
            if claim == "stalled":
                beat = doc.step_heartbeat_at
                st.error(f"{label}: the process running this step stopped answering"
                         + (f" (last sign of life {beat:%H:%M:%S} UTC)" if beat else "")
                         + ". No worker is running it now; it is started again automatically when the app or a "
                         "worker finds it, or run `python -m core retry` for this season.",
                         icon=":material/error:")
            elif claim == "queued" or not since:
                st.progress(done / max(1, len(doc.phases)),
                            text=f"{label}: queued, waiting for a worker or the app to start it")
            else:
                st.progress(done / max(1, len(doc.phases)), text=f"{label}… {elapsed:.0f} s")
            if claim == "running" and elapsed > SLOW_S:
                st.warning(f"This step has been running for more than {SLOW_S:.0f} s. It goes on in the "
                           "background; Activity shows its events.", icon=":material/schedule:")
            new = service.events(workflow_id)[-4:]
            for e in new:
                st.caption(md_escape(e.message))

    _follow()
