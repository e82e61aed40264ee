"""Scenario-lab display: the side-by-side table with the best set per metric marked, the charts, and
the pending order's what-if panel (Approvals)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

LABELS = {"sold": "Units sold", "lost_sales": "Lost sales (units)",
          "lost_sales_estimated": "Lost sales as estimated from sales", "leftover": "Leftover (units)",
          "sell_through": "Sell-through", "stockout_store_weeks": "Stockout store-weeks",
          "markdown_units": "Markdown units", "markdown_cost": "Markdown cost", "revenue": "Revenue",
          "margin": "Margin on units sold", "profit": "Profit"}
BEST = "★"


def _fmt(key: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if key == "sell_through" else f"{value:,.0f}"


def comparison_frame(doc: dict[str, Any], *, ranges: bool = True) -> pd.DataFrame:
    """Rows = metrics, columns = sets; a cell is the median (with P10..P90 when the runs differ), ★ = best."""
    best = doc.get("best") or {}
    table: dict[str, list[str]] = {}
    index = ["Order (units)"] + [LABELS[k] for k in LABELS]
    several = len(doc["sets"]) > 1
    for s in doc["sets"]:
        col = [f"{s['order']:,}"]
        for key in LABELS:
            v, lo, hi = s["metrics"].get(key), s["p10"].get(key), s["p90"].get(key)
            text = _fmt(key, v)
            if ranges and lo is not None and hi is not None and lo != hi:
                text += f"  ({_fmt(key, lo)}..{_fmt(key, hi)})"
            marked = best.get(key, [])
            if several and s["name"] in marked and len(marked) < len(doc["sets"]):
                text = f"{BEST} {text}"
            col.append(text)
        table[s["name"]] = col
    return pd.DataFrame(table, index=index)


def tradeoff_figure(doc: dict[str, Any]) -> go.Figure:
    """Lost sales against leftover, one point per set with its P10..P90 range."""
    fig = go.Figure()
    for s in doc["sets"]:
        m, lo, hi = s["metrics"], s["p10"], s["p90"]
        fig.add_trace(go.Scatter(
            x=[m["leftover"]], y=[m["lost_sales"]], mode="markers+text", text=[s["name"]], textposition="top center",
            name=s["name"], marker={"size": 12},
            error_x={"type": "data", "symmetric": False, "array": [hi["leftover"] - m["leftover"]],
                     "arrayminus": [m["leftover"] - lo["leftover"]]},
            error_y={"type": "data", "symmetric": False, "array": [hi["lost_sales"] - m["lost_sales"]],
                     "arrayminus": [m["lost_sales"] - lo["lost_sales"]]},
            hovertemplate=f"{s['name']}<br>leftover %{{x:,.0f}}<br>lost sales %{{y:,.0f}}<extra></extra>"))
    fig.update_layout(title="Lost sales vs leftover (median, P10..P90)", xaxis_title="Leftover units",
                      yaxis_title="Lost sales (units)", showlegend=False, height=380, margin={"t": 50})
    return fig


def money_figure(doc: dict[str, Any]) -> go.Figure:
    """Profit per set (revenue when no unit cost is known), with P10..P90."""
    key = "profit" if any(s["metrics"].get("profit") is not None for s in doc["sets"]) else "revenue"
    names = [s["name"] for s in doc["sets"]]
    med = [s["metrics"].get(key) or 0 for s in doc["sets"]]
    fig = go.Figure(go.Bar(
        x=names, y=med, marker_color="#4C78A8",
        error_y={"type": "data", "symmetric": False,
                 "array": [(s["p90"].get(key) or 0) - v for s, v in zip(doc["sets"], med)],
                 "arrayminus": [v - (s["p10"].get(key) or 0) for s, v in zip(doc["sets"], med)]},
        hovertemplate="%{x}<br>%{y:,.0f}<extra></extra>"))
    fig.update_layout(title=f"{LABELS[key]} (median, P10..P90)", yaxis_title=LABELS[key], height=380,
                      margin={"t": 50})
    return fig


def what_if_frame(doc: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for s in doc["sets"]:
        m = s["metrics"]
        rows.append({"Option": s["name"], "Order (units)": f"{s['order']:,}",
                     "Expected lost sales": _fmt("lost_sales", m["lost_sales"]),
                     "Expected leftover": _fmt("leftover", m["leftover"]),
                     "Expected profit": _fmt("profit", m["profit"]) if m.get("profit") is not None
                     else "n/a (no unit cost)"})
    return pd.DataFrame(rows).set_index("Option")


# The what-if runs in the background (a simulation takes seconds): one job per (database, season, version)
# in this server process, followed by a fragment until it is done, so the decision is never held up. A
# daemon thread computing in-process: it never outlives the server, and no worker processes are started.
_jobs: dict[tuple[str, str, int], Future] = {}
_jobs_lock = threading.Lock()
_JOB_LIMIT = 64


def _run_job(future: Future, service: Any, workflow_id: str) -> None:
    try:
        future.set_result(service.order_what_if(workflow_id, local=True))
    except BaseException as exc:  # shown by the panel
        future.set_exception(exc)


def what_if_job(service: Any, workflow_id: str, version: int) -> Future:
    key = (str(getattr(service, "db_url", "")), workflow_id, int(version))
    with _jobs_lock:
        if key in _jobs:
            return _jobs[key]
        if len(_jobs) >= _JOB_LIMIT:
            for k in [k for k, f in _jobs.items() if f.done()]:
                _jobs.pop(k, None)
        future: Future = Future()
        _jobs[key] = future
    threading.Thread(target=_run_job, args=(future, service, workflow_id), daemon=True,
                     name=f"lab-what-if-{workflow_id}").start()
    return future


def _what_if_body(job: Future) -> None:
    st.subheader("What-if")
    if not job.done():
        st.caption("Simulating the season for the proposed order and its alternatives…")
        return
    exc = job.exception()
    if exc is not None:  # the what-if is advice: say why it is missing, the decision stays usable
        messages = getattr(exc, "messages", None) or [str(exc)]
        st.warning("What-if not available: " + "; ".join(messages))
        return
    doc = job.result()
    st.caption(f"Each option played on the same {doc['sets'][0]['paths']} simulated seasons drawn from this "
               "forecast (median): the product's own rules, sales censored by stock.")
    st.dataframe(what_if_frame(doc), width="stretch")


def order_what_if_panel(service: Any, status: Any) -> None:
    """The pending order's what-if: proposed quantity and safety stock -10, -5, +5, +10 points."""
    doc = status if isinstance(status, dict) else status.model_dump(mode="json")
    job = what_if_job(service, doc["workflow_id"], int(doc.get("version") or 0))
    if job.done():
        _what_if_body(job)
        return

    @st.fragment(run_every=1.5)
    def follow() -> None:
        if job.done():
            st.rerun()  # once, to draw the finished table outside the polling fragment
        _what_if_body(job)

    follow()
