"""Scenarios: compare parameter sets side by side on simulated or past seasons (the scenario lab).

New comparisons play 2 to 8 sets on the same demand (Monte Carlo seasons around the forecast, or past
seasons replayed from the history) with the product's own rules; every comparison is stored and listed.
Actions: start a season with a set, or use a set's order quantity as the Modify of a pending order.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from core.domain.calendar import WEEKDAYS, start_of_week
from ui.charts import show
from ui.feedback import call_service, render_message
from ui.format import as_dict, fmt_when
from ui.lab import comparison_frame, money_figure, tradeoff_figure
from ui.lab_jobs import jobs_to_show, start_comparison
from ui.layout import start_page
from ui.params_form import upcoming_start
from ui.session import flash, select_workflow

service, typed_status = start_page("Scenarios", "Compare parameter sets side by side on simulated and past seasons.")
status = as_dict(typed_status) if typed_status is not None else None
EDITABLE = ["name", "safety_stock", "dc_holdback", "replenishment", "markdown_week", "markdown_target",
            "variance_threshold", "n_clusters", "order_qty", "markdown_depth", "unit_cost"]


def _base_parameters() -> tuple[dict[str, Any], int, str | None]:
    """The selected season's parameters (and dataset), else the demo's defaults."""
    if status is not None:
        fields = set(status["parameters"]) - {"season_end", "season_start_requested"}
        return {k: status["parameters"][k] for k in fields}, int(status["dataset_id"]), status["workflow_id"]
    from core.demo import SEASON_START

    ds = service.ensure_demo_dataset()
    return {"category": ds.categories[0], "season_start": SEASON_START.isoformat(), "horizon_weeks": 12}, ds.id, None


def _starting_rows(base: dict[str, Any]) -> pd.DataFrame:
    from core.domain.params import make_parameters

    p = make_parameters(base).model_dump(mode="json")
    ss, hold = float(p["safety_stock"]), float(p["dc_holdback"])
    rows = [{"name": "current"},
            {"name": "less safety stock", "safety_stock": round(max(0.0, ss - 0.10), 4)},
            {"name": "more safety stock", "safety_stock": round(min(1.0, ss + 0.10), 4)}]
    if p["replenishment"] != "none":
        rows.append({"name": "lower holdback", "dc_holdback": round(max(0.0, hold - 0.15), 4)})
    frame = pd.DataFrame([{**{k: p.get(k) for k in EDITABLE if k in p}, "order_qty": None, "markdown_depth": None,
                           **r} for r in rows])
    return frame[[c for c in EDITABLE if c in frame.columns]]


# The planner's names for the table's columns (shares typed as fractions: 0.2 = 20%).
SET_LABELS = {"name": "Name", "safety_stock": "Safety stock (0.2 = 20%)", "dc_holdback": "DC holdback (0.45 = 45%)",
              "replenishment": "Replenishment", "markdown_week": "Markdown week",
              "markdown_target": "Sell-through target (0.6 = 60%)", "variance_threshold": "Re-forecast threshold",
              "n_clusters": "Store clusters", "order_qty": "Order (units)", "markdown_depth": "Markdown depth",
              "unit_cost": "Unit cost"}
OPTIONAL = ("order_qty", "markdown_depth", "unit_cost")
INTEGERS = ("order_qty", "markdown_week", "n_clusters")


def _rows(edited: pd.DataFrame, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Each edited row as a parameter set: empty cells keep the base values, except that an empty
    markdown week means no checkpoint and an empty optional field (order, depth, cost) is left out."""
    out = []
    for rec in edited.to_dict("records"):
        row = dict(base)
        for k, v in rec.items():
            if v is None or v == "" or (isinstance(v, float) and math.isnan(v)):
                if k == "markdown_week":
                    row[k] = None
                elif k in OPTIONAL:
                    row.pop(k, None)
                continue
            row[k] = int(v) if k in INTEGERS else v
        out.append(row)
    return out


def _run_new() -> None:
    base, dataset_id, workflow_id = _base_parameters()
    where = f"season {workflow_id}" if workflow_id else "the built-in demo data"
    st.caption(f"Sets start from the parameters of {where} ({base['category']}, from {base['season_start']}, "
               f"{base.get('horizon_weeks', 12)} weeks). Empty cells keep those values; order_qty fixes the order "
               "(else the proposal), markdown_depth fixes the depth decided at the checkpoint (else the proposal).")
    edited = st.data_editor(_starting_rows(base), num_rows="dynamic", hide_index=True, key="lab_sets",
                            width="stretch", column_config={c: st.column_config.Column(SET_LABELS.get(c, c))
                                                            for c in EDITABLE})
    c1, c2, c3 = st.columns(3)
    source = c1.radio("Demand", ["Monte Carlo seasons", "Past seasons (replay)"], horizontal=False)
    if source.startswith("Monte"):
        paths = c2.number_input("Seasons to simulate", min_value=10, max_value=1000, value=200, step=10)
        seed = c3.number_input("Seed", min_value=0, value=0, step=1)
        starts: list[date] = []
    else:
        first = date.fromisoformat(base["season_start"]) - timedelta(weeks=52)
        starts = [c2.date_input("Past season starting", value=first)]
        if c3.checkbox("and the one a year before"):
            starts.append(starts[0] - timedelta(weeks=52))
        paths, seed = 1, 0
    if not st.button("Run comparison", type="primary", disabled=not 2 <= len(edited) <= 8):
        if not 2 <= len(edited) <= 8:
            st.caption("A comparison takes 2 to 8 sets.")
        return
    # A replay starts on the first day of the data set's week (a Saturday-week data set's weeks are not
    # Mondays): the same rule as `compare --replay`.
    first_day = WEEKDAYS.index(str(service.dataset(dataset_id).week_start or "monday"))
    demand = ({"source": "monte-carlo", "paths": int(paths), "seed": int(seed)} if not starts else
              {"source": "replay", "starts": [start_of_week(d, first_day) for d in starts]})
    # It runs on in the background (ui/lab_jobs.py): the planner may leave this page meanwhile.
    rows = _rows(edited, base)
    start_comparison(service, dataset_id, rows, demand, workflow_id=workflow_id,
                     label=", ".join(str(r.get("name") or f"set {i}") for i, r in enumerate(rows, start=1)))
    st.rerun()


def _show_job_outcome(job: Any) -> None:
    job.seen = True
    exc = job.future.exception()
    if exc is None:
        cid = job.future.result()
        st.session_state["lab_selected"] = cid
        flash("success", f"Comparison #{cid} stored.")
    else:
        flash("error", list(getattr(exc, "messages", None) or [str(exc)]), "The comparison could not be run")


def _follow_jobs() -> None:
    """Running comparisons of this database, followed until they are stored (they survive leaving the page)."""
    if not jobs_to_show(service):
        return

    @st.fragment(run_every=1.0)
    def follow() -> None:
        jobs = jobs_to_show(service)
        finished = [j for j in jobs if j.future.done()]
        for job in finished:
            _show_job_outcome(job)
        if finished:
            st.rerun()
        for job in jobs:
            share = job.done_parts / job.total_parts if job.total_parts else 0.0
            st.progress(share, text=f"Comparing {job.label}: simulated {job.done_parts} of "
                                    f"{job.total_parts or '…'} parts (runs on if you leave this page)")

    follow()


def _actions(doc: dict[str, Any], inputs: dict[str, Any]) -> None:
    names = [s["name"] for s in doc["sets"]]
    pick = st.selectbox("Set", names, key="lab_action_set")
    chosen = next(s for s in doc["sets"] if s["name"] == pick)
    a1, a2 = st.columns(2)
    if a1.button("Start a season with this set", help="A new season on the same data with these parameters."):
        from core.domain.params import SeasonParameters

        fields = set(SeasonParameters.model_fields) - {"season_start_requested"}
        params = {k: v for k, v in chosen["parameters"].items() if k in fields}
        dataset_id = int(inputs.get("dataset_id") or _base_parameters()[1])
        # A replay plays a past season of the history: the season to start is the next one after it.
        replayed = date.fromisoformat(str(params["season_start"])[:10])
        params["season_start"] = upcoming_start(replayed, service.dataset(dataset_id).history_end).isoformat()
        ok, new = call_service(service.start_workflow, params, dataset_id=dataset_id)
        if ok:
            wid = new.workflow_id if hasattr(new, "workflow_id") else new["workflow_id"]
            select_workflow(wid)
            moved = "" if params["season_start"] == replayed.isoformat() else (
                f" The replay played the past season of {replayed.isoformat()}; the new season starts "
                f"{params['season_start']}, after the history.")
            flash("success", f"Season {wid} started with the parameters of '{pick}'.{moved}")
            st.switch_page("pages/approvals.py")
    pending = (status or {}).get("pending") or {}
    if pending.get("kind") == "order" and status and status["workflow_id"] == inputs.get("workflow_id"):
        blocked = typed_status.why_not("decide") if hasattr(typed_status, "why_not") else None
        if a2.button(f"Use {chosen['order']:,} units as Modify", disabled=blocked is not None,
                     help=blocked or "Decide the pending order with this quantity."):
            ok, _ = call_service(service.decide, status["workflow_id"], accept=False, value=float(chosen["order"]),
                                 reason=f"scenario lab comparison: set '{pick}'")
            if ok:
                flash("success", f"Order modified to {chosen['order']:,} units (set '{pick}').")
                st.switch_page("pages/approvals.py")
    else:
        a2.caption("“Use this quantity as Modify” is offered for a comparison of the selected season while its "
                   "order awaits approval.")


def _show(cid: int) -> None:
    stored = service.get_comparison(cid)
    if stored is None:
        st.info(f"Comparison #{cid} is not stored.")
        return
    doc = stored.results
    d = doc["demand"]
    runs = d.get("paths") or len(d.get("seasons") or []) or 1
    st.subheader(f"#{cid}: {stored.label}")
    st.caption(f"{d['source']} · {runs} season(s) per set · {d.get('category', '')} · seed {doc.get('seed')} · "
               f"{fmt_when(stored.created_at)}. Median of the runs with P10..P90; {chr(9733)} best on that metric.")
    for note in doc.get("notes") or []:  # e.g. run on this machine because no worker took the parts
        st.info(note.capitalize())
    st.dataframe(comparison_frame(doc), width="stretch")
    c1, c2 = st.columns(2)
    with c1:
        show(tradeoff_figure(doc), key=f"lab_tradeoff_{cid}")
    with c2:
        show(money_figure(doc), key=f"lab_money_{cid}")
    _actions(doc, stored.inputs)


_follow_jobs()
with st.expander("New comparison", expanded=False):
    _run_new()

saved = service.list_comparisons()
if not saved:
    render_message("info", ["No comparisons yet: open “New comparison” above, or run "
                            "`python -m core compare WF --db DB --alt FILE.json`."])
    st.stop()
labels = {c.id: f"#{c.id} · {c.label} · {c.source} · {fmt_when(c.created_at)}" for c in saved}
ids = list(labels)
current = st.session_state.get("lab_selected", ids[0])
choice = st.selectbox("Saved comparisons", ids, index=ids.index(current) if current in ids else 0,
                      format_func=lambda i: labels[i])
st.session_state["lab_selected"] = choice
_show(choice)
