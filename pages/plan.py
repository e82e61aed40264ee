"""Plan: describe the season in words, check the parameters, pick the data, start."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from ui.feedback import call_service, md_escape, render_message
from ui.layout import start_page
from ui.format import as_dict, fmt_date, fmt_int
from ui.import_form import demo_week_downloads, own_files_import, week_text
from ui.params_form import NAMES, apply_values, humanize, render_form, show_value
from ui.service import demo_dataset
from ui.session import flash, select_workflow

EXAMPLE_TEXT = (
    "I'm planning a 12-week spring fashion season starting March 1st. Send all inventory to stores at "
    "launch with no DC holdback. I don't want ongoing replenishment - just one initial allocation. "
    "Check for markdown opportunities at week 6 if we're below 60% sell-through."
)
DEMO, OWN = "Built-in demo data", "My own files (history + stores CSV)"


service, status = start_page("Plan a season")
st.caption("Describe the season in your own words, check the parameters, choose the data, and start. "
           "The forecast and the manufacturing order are ready for your approval a few seconds later.")

# ------------------------------------------------------------------ 1. data
st.subheader("1 · Data", divider="gray")
demo = as_dict(demo_dataset())
datasets = [as_dict(d) for d in service.list_datasets()]
own = [d for d in datasets if d["id"] != demo["id"]]
carried = st.session_state.pop("plan_dataset", None)  # "start next season" plans on the season's own data
if carried is not None and carried != demo["id"] and any(d["id"] == carried for d in own):
    st.session_state["data_mode"], st.session_state["own_dataset"] = OWN, carried
elif carried is not None:
    st.session_state["data_mode"] = DEMO
mode = st.radio("Sales history and stores", [DEMO, OWN], horizontal=True, key="data_mode",
                label_visibility="collapsed")
dataset: dict[str, Any] | None = demo
if mode == DEMO:
    with st.expander("Play a season on the demo: its weekly sales files", icon=":material/download:"):
        st.caption("Start a season on the demo data below, approve the order, then drop these files on the "
                   "In-Season page one week at a time.")
        demo_week_downloads(service, "plan_demo_weeks")
if mode == OWN:
    with st.container(border=True):
        own_files_import(service)
    if own:
        ids = [d["id"] for d in own]
        chosen = st.session_state.get("own_dataset")
        pick = st.selectbox("Imported data set", ids, index=ids.index(chosen) if chosen in ids else len(ids) - 1,
                            format_func=lambda i: next(d["label"] for d in own if d["id"] == i))
        dataset = next(d for d in own if d["id"] == pick)
    else:
        dataset = None
        st.info("No data set imported yet: upload both files above, or switch back to the demo data.")

if dataset is not None:
    cols = st.columns(3)
    cols[0].metric("Stores", fmt_int(dataset.get("stores")))
    cols[1].metric("History", f"{fmt_int(dataset.get('weeks'))} weeks")
    cols[2].metric("Categories", fmt_int(len(dataset.get("categories") or [])))
    st.caption("Data set: " + md_escape(str(dataset.get("label"))) + " — categories: "
               + md_escape(", ".join(dataset.get("categories") or [])) + " — " + md_escape(week_text(dataset))
               + ("" if dataset.get("source") == "demo" else
                  " (to plan on another week start, choose it above and import the files again)"))
    if dataset.get("source") != "demo" and dataset.get("warnings"):
        # What reading the files changed (weekly rows counted in another week, absent columns) is said.
        render_message("info", [str(w) for w in dataset["warnings"]], "Reading the files:")
categories: list[str] = list(dataset.get("categories") or []) if dataset else []

# ------------------------------------------------------------------ 2. describe
st.subheader("2 · Describe the season", divider="gray")
st.session_state.setdefault("plan_text", EXAMPLE_TEXT)
text = st.text_area("In your own words", key="plan_text", height=110, max_chars=4000,
                    help="Season length, start, replenishment, DC holdback, markdown checkpoint and target, "
                         "safety stock. Anything not mentioned keeps its default and is flagged below.")
read_clicked = st.button("Read parameters from the text", icon=":material/auto_fix_high:",
                         disabled=dataset is None)

prefill = st.session_state.pop("plan_prefill", None)
if prefill is not None:  # "start next season with these parameters" from the Season Review page
    apply_values(prefill, categories)
    st.session_state["extraction"] = {"values": prefill, "found": [], "flagged": [],
                                      "notes": ["Parameters carried over from the last season's review: "
                                                "check the season start before starting."], "source": "review"}
elif dataset is not None and (read_clicked or "extraction" not in st.session_state):
    ok, extraction = call_service(service.extract_parameters, text, dataset["id"],
                                  spinner="Reading the parameters…")
    if ok:
        extraction = as_dict(extraction)
        st.session_state["extraction"] = extraction
        apply_values(extraction["values"], categories)

extraction = st.session_state.get("extraction")
if extraction:
    read = extraction.get("values") or {}
    if extraction.get("found"):
        st.success("Read from the text: " + md_escape(" · ".join(
            f"{NAMES.get(f, f)} {show_value(f, read.get(f))}" for f in extraction["found"])), icon=":material/check:")
    if extraction.get("flagged"):
        render_message("warning", [humanize(m) for m in extraction["flagged"]], "Please check:")
    for note in extraction.get("notes") or []:
        if note.startswith("season_start "):
            continue  # the form shows the Monday move right under the date field
        st.info(md_escape(humanize(note)), icon=":material/info:")
    if extraction.get("error"):
        st.caption("The language model was not used: " + md_escape(str(extraction["error"])))

# ------------------------------------------------------------------ 3. parameters and start
def _category_note(extraction: dict[str, Any] | None, categories: list[str]) -> str | None:
    """When the text named no category, say which one is planned — until the planner picks one."""
    if not extraction or len(categories) < 2:
        return None
    defaulted = (extraction.get("values") or {}).get("category")
    if not any(str(m).startswith("category") for m in extraction.get("flagged") or []):
        return None
    if st.session_state.get("p_category", defaulted) != defaulted:
        return None
    others = ", ".join(c for c in categories if c != defaulted)
    return (f"Your text names no category, so {defaulted} is planned. The data also has {others}: "
            "pick one here if you meant another.")



st.subheader("3 · Parameters", divider="gray")
if dataset is None:
    st.stop()
history_end = dataset.get("history_end") if dataset else None
params, values = render_form(categories, _category_note(extraction, categories),
                             history_end=date.fromisoformat(str(history_end)[:10]) if history_end else None,
                             week_start=str(dataset.get("week_start") or "monday"))
if params is not None:
    st.caption(f"Plans **{md_escape(params.category)}** · season {fmt_date(params.season_start)} .. "
               f"{fmt_date(params.season_end)} ({params.horizon_weeks} weeks, "
               f"{params.season_start.strftime('%A')}..{params.season_end.strftime('%A')}) · order = forecast x "
               f"{1 + (params.safety_stock or 0):.2f}")
else:
    st.caption(":red[Fix the fields marked in red to start the season.]")
if st.button("Start season", type="primary", icon=":material/play_arrow:", disabled=params is None,
             help=None if params is not None else "Fix the fields marked in red first."):
    ok, doc = call_service(service.start_workflow, params, dataset_id=dataset["id"], source_text=text,
                           spinner="Starting the season…")
    if ok:
        select_workflow(doc.workflow_id)
        flash("success", f"Season started ({params.category}, {params.horizon_weeks} weeks). "
                         + ("The forecast is running; the manufacturing order appears here when it is ready."
                            if doc.running_step else "Review the manufacturing order below."))
        st.switch_page("pages/approvals.py")
