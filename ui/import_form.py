"""The Plan page's own files: the two uploads, their columns matched to ours (remembered per file
layout), the week start, and the import. Also the demo's week files offered for download."""

from __future__ import annotations

import zlib
from typing import Any

import streamlit as st

from core.domain.calendar import WEEKDAYS, week_span, weekday_index
from core.domain.ingest.mapping import OUR_COLUMNS
from ui.feedback import call_service
from ui.format import as_dict
from ui.session import flash

DETECT = "Detect from the history"
NOT_IN_FILE = "(not in this file)"
REQUIRED = {"history": ("date", "store_id", "category", "quantity_sold"), "stores": ("store_id",)}


def week_text(info: dict[str, Any]) -> str:
    """'weeks run Saturday..Friday (detected from its weekly dates)'."""
    day = str(info.get("week_start") or "monday")
    detected = info.get("detected_week_start") == day and day != "monday"
    return f"weeks run {week_span(weekday_index(day))}" + (" (detected from its weekly dates)" if detected else "")


def _default(ours: str, header: list[str], remembered: dict[str, str], suggested: dict[str, str]) -> str:
    folded = {h.casefold(): h for h in header}
    for candidate in (remembered.get(ours), ours, suggested.get(ours)):
        if candidate and candidate.casefold() in folded:
            return folded[candidate.casefold()]
    return NOT_IN_FILE


def column_pickers(service: Any, kind: str, uploaded: Any) -> tuple[dict[str, str], list[str]]:
    """One picker per column of ours; ({ours: theirs} where theirs is another name, required columns
    still unmatched). Defaults: the mapping remembered for this file's layout, our own name, a guess."""
    ok, info = call_service(service.column_mapping, kind, uploaded.getvalue())
    if not ok or not info["header"]:
        return {}, []
    header, remembered = info["header"], info["remembered"] or {}
    if remembered:
        st.caption(f"Columns of {uploaded.name}: the matching you used for files laid out like this one.")
    options = [NOT_IN_FILE, *header]
    mapping: dict[str, str] = {}
    unmatched: list[str] = []
    ours_list = list(OUR_COLUMNS[kind].items())
    columns = st.columns(min(4, len(ours_list)))
    for k, (ours, label) in enumerate(ours_list):
        default = _default(ours, header, remembered, info["suggested"])
        key = f"map_{kind}_{ours}_{zlib.crc32(chr(31).join(header).encode()):08x}"
        theirs = columns[k % len(columns)].selectbox(label, options, index=options.index(default), key=key,
                                                     help=f"Our column '{ours}': which of your columns holds it")
        if theirs == NOT_IN_FILE:
            if ours in REQUIRED[kind]:
                unmatched.append(ours)
        elif theirs.casefold() != ours:
            mapping[ours] = theirs
    return mapping, unmatched


def own_files_import(service: Any) -> None:
    """Upload, match columns, choose the week start, check and import (the new data set is selected)."""
    st.markdown("Upload a **history** file (a date, a store, a category and units sold per row, daily or weekly; "
                "revenue optional) and a **stores** file (a store column; size, income, tiers, format and region "
                "if you have them). Your own column names are fine: match them below. Both files are checked "
                "before anything is stored.")
    u1, u2 = st.columns(2)
    history_file = u1.file_uploader("History CSV", type=["csv"], key="up_history")
    stores_file = u2.file_uploader("Stores CSV", type=["csv"], key="up_stores")
    history_map: dict[str, str] = {}
    stores_map: dict[str, str] = {}
    unmatched: list[str] = []
    if history_file or stores_file:
        with st.expander("Columns: match your column names to ours", expanded=True):
            if history_file:
                st.markdown(f"**{history_file.name}**")
                history_map, missing = column_pickers(service, "history", history_file)
                unmatched += [f"{m} ({history_file.name})" for m in missing]
            if stores_file:
                st.markdown(f"**{stores_file.name}**")
                stores_map, missing = column_pickers(service, "stores", stores_file)
                unmatched += [f"{m} ({stores_file.name})" for m in missing]
    label = st.text_input("Name for this data set (optional)", key="up_label", max_chars=80)
    week_choice = st.selectbox(
        "Weeks start on", [DETECT, *WEEKDAYS], key="up_week_start",
        format_func=lambda d: d if d == DETECT else d.capitalize(),
        help="The retailer's week: Monday..Sunday by default, Sunday..Saturday on the NRF 4-5-4 calendar, "
             "Saturday..Friday for Walmart's weekly data. Detected: weekly rows all dated on one weekday "
             "give that day, anything else Monday. The same files on another day become another data set.")
    if unmatched:
        st.warning("Pick the column that holds: " + ", ".join(unmatched), icon=":material/table_rows:")
    if st.button("Check and import", icon=":material/upload:",
                 disabled=not (history_file and stores_file) or bool(unmatched)):
        ok, info = call_service(
            service.import_dataset, history=history_file.getvalue(), history_name=history_file.name,
            stores=stores_file.getvalue(), stores_name=stores_file.name, label=label or None,
            week_start=None if week_choice == DETECT else week_choice, column_map=history_map or None,
            stores_column_map=stores_map, spinner="Checking and importing the files…")
        if ok:
            info = as_dict(info)
            st.session_state["own_dataset"] = info["id"]
            flash("success", f"Imported '{info['label']}': {len(info['categories'])} categories, "
                             f"{info['stores']} stores, {info['weeks']} weeks of history; {week_text(info)}"
                             + (" — its week files are weekly totals, one row per store."
                                if info.get("frequency") == "weekly" else "."))
            st.rerun()


@st.cache_data(show_spinner=False, max_entries=3)
def _demo_weeks(_service: Any, scenario: str) -> tuple[str, bytes]:
    return _service.demo_week_files(scenario)


def demo_week_downloads(service: Any, key: str) -> None:
    """The demo's weekly actuals as a zip per scenario, so a new user can play a season week by week."""
    scenario = st.radio("Demo weeks", ["normal", "high", "low"], horizontal=True, key=f"{key}_scenario",
                        help="normal: sales as forecast; high: 20% above; low: 20% below (each with a shock "
                             "in the middle of the season)")
    name, data = _demo_weeks(service, scenario)
    st.download_button(f"Download the demo's week files ({scenario})", data, file_name=name,
                       mime="application/zip", icon=":material/download:", key=f"{key}_download",
                       help="week_01.csv .. week_12.csv: drop them on the In-Season page one week at a time")
