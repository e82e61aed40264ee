"""In-Season: drag-and-drop weekly actuals, forecast vs actual, variance, stores, replenishment."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from ui.decision_tables import replenishment_frame
import streamlit as st

from core.domain.calendar import WEEKDAYS, week_of_season, weekday_name
from core.domain.fiscal import fiscal_label
from ui.charts import show
from ui.feedback import call_service, md_escape, render_message
from ui.figures import forecast_vs_actual_figure, store_figure, variance_figure
from ui.layout import require_season, start_page
from core.orchestrator.steps.states import State
from ui.import_form import demo_week_downloads
from ui.format import csv_bytes, fmt_date, fmt_int, fmt_pct, state_label, unit_columns
from ui.session import flash
from ui.uploads import UploadResult, first_date, retry_waiting, submit

RESULTS_KEY = "upload_results"  # file_id -> UploadResult, in processing order
UPLOADER_GEN = "uploader_generation"

service, status = start_page("In-Season")
status = require_season(status)

wf = status.workflow_id
state = status.state
params = status.parameters
season_start = date.fromisoformat(str(params["season_start"])[:10])
first_day = WEEKDAYS.index(str(params.get("week_start") or "monday"))
horizon = int(params.get("horizon_weeks") or 0)
weeks = [w.model_dump(mode="json") for w in status.weeks]  # the figure builders and tables take the JSON shape
observed = [w for w in weeks if w.get("actual") is not None]
order = status.order
# Per season: a file and its messages belong to the season it was dropped on, never to the next one.
results: dict[str, UploadResult] = st.session_state.setdefault(RESULTS_KEY, {}).setdefault(wf, {})

if not status.allocation:
    st.info("Weekly actuals can be uploaded once the manufacturing order is approved and stock is allocated.")
    st.page_link("pages/approvals.py", label="Go to Approvals", icon=":material/approval:")
    st.stop()

# ------------------------------------------------------------------ alerts and headline numbers
for alert in status.alerts:
    if alert.kind == "shortfall":  # a deep week below plan: look at it, no reorder
        st.warning(md_escape(alert.message), icon=":material/trending_down:")
    else:
        st.error(md_escape(alert.message), icon=":material/emergency:")

sold = sum(float(w["actual"]) for w in observed)
approved = (order.approved or order.proposed) if order is not None else None
last = observed[-1] if observed else None
cumulative = last.get("cumulative_variance") if last else None
m = st.columns(4)
m[0].metric("Weeks received", f"{len(observed)} of {horizon}")
m[1].metric("Sold to date", f"{fmt_int(sold)} units")
m[2].metric("Sell-through", fmt_pct(sold / approved, 1) if approved else "—",
            help="Units sold to date / approved manufacturing order.")
m[3].metric("Last week vs plan", fmt_pct(last.get("variance"), 1, signed=True) if last else "—",
            delta=None if cumulative is None else f"{cumulative * 100:+.1f}% season to date", delta_color="off",
            delta_arrow="off")

if state is State.AWAITING_MARKDOWN_APPROVAL:
    st.warning("A markdown proposal is waiting for your decision. Weekly uploads resume once you have decided: "
               "files dropped meanwhile are stored as queued weeks and applied right after the decision.",
               icon=":material/pending_actions:")
    st.page_link("pages/approvals.py", label="Decide on the markdown", icon=":material/approval:")
elif status.why_not("upload") is None and any(r.kind == "waiting" for r in results.values()):
    # Files refused while a step ran go through once it is done (weeks out of order, or sent while a
    # markdown waits, are queued in the database instead).
    with st.spinner("Processing the files that were waiting…"):
        moved = retry_waiting(service, wf, results)
    if moved:
        st.rerun()

# ------------------------------------------------------------------ upload
if state in (State.IN_SEASON, State.AWAITING_MARKDOWN_APPROVAL, State.NEEDS_ATTENTION):
    with st.container(border=True):
        dataset = service.dataset(status.dataset_id)
        weekly = dataset.frequency == "weekly"
        if dataset.source == "demo":
            with st.expander("The demo's weekly sales files", icon=":material/download:"):
                demo_week_downloads(service, "in_season_demo_weeks")
        st.markdown("**Upload weekly actuals** — one file per week (`date, store_id, quantity_sold`, or your "
                    "own column names as matched at import), several at once is fine; they are processed in date "
                    "order." + (" This data set is weekly: one row per store with the week's total, dated on any "
                                "day of the week." if weekly else ""))
        if len(observed) < horizon:
            nxt = max((int(w["week"]) for w in observed), default=0) + 1
            begins = season_start + timedelta(weeks=nxt - 1)
            st.caption(f"Next week to upload: **week {nxt}**, {weekday_name(first_day)} {fmt_date(begins)} .. "
                       f"{weekday_name((first_day + 6) % 7)} {fmt_date(begins + timedelta(days=6))} "
                       f"({len(observed)} of {horizon} weeks received).")
        gen = st.session_state.setdefault(UPLOADER_GEN, 0)
        files = st.file_uploader("Weekly actuals CSV files", type=["csv"], accept_multiple_files=True,
                                 key=f"actuals_{wf}_{gen}", label_visibility="collapsed")
        fresh = [f for f in files or [] if f.file_id not in results]
        if fresh:
            # Calendar order, so week k is processed before week k+1 whatever order they were dropped in.
            fresh.sort(key=lambda f: (first_date(f.getvalue()) or date.max, f.name))
            bar = st.progress(0.0, text="Processing uploads…")
            for i, f in enumerate(fresh, start=1):
                bar.progress((i - 1) / len(fresh), text=f"Checking and processing {f.name} ({i} of {len(fresh)})…")
                result, doc = submit(service, wf, f.name, f.getvalue())
                day = first_date(f.getvalue())
                if result.week is None and day is not None:
                    result.week = week_of_season(day, season_start, horizon, first_day)
                if result.week is None and result.kind == "stored":  # their own date column: ask the record
                    result.week = next((u["week"] for u in sorted(service.uploads(wf), key=lambda u: -u["id"])
                                        if u["filename"] == f.name and u["status"] == "active"), None)
                results[f.file_id] = result
            retry_waiting(service, wf, results)
            bar.progress(1.0, text="Done")
            st.rerun()  # redraw the sidebar and charts with the new weeks
else:
    st.info(f"The season is {state_label(state).lower()}: no more uploads.")


def _confirm(file_id: str, result: UploadResult, *, replace: bool, zero: bool, partial: bool = False) -> None:
    new, _ = submit(service, wf, result.name, result.data or b"", replace=replace, missing_as_zero=zero,
                    partial=partial or result.partial)
    new.week = new.week or result.week
    results[file_id] = new
    retry_waiting(service, wf, results)  # a replaced or completed week may unblock later files


def _stored_line(result: UploadResult) -> str:
    label = f"week {result.week}" if result.week else result.name
    row = next((w for w in weeks if w.get("week") == result.week), None)
    line = f"{result.name} → {label} stored"
    if result.replace:
        line += " (replaced the earlier upload)"
    if result.missing_as_zero:
        line += " (missing stores counted as zero)"
    if result.partial:
        line += " (partial week, compared with the plan for its days; upload the full week later to replace it)"
    if row and row.get("actual") is not None:
        line += (f": {fmt_int(row['actual'])} units vs plan {fmt_int(row.get('plan'))} "
                 f"({fmt_pct(row.get('variance'), 1, signed=True)})")
        if row.get("reforecast"):
            line += " — variance over the threshold, remaining weeks re-forecast"
        elif row.get("above_threshold"):
            line += " — variance over the threshold; no weeks left to re-forecast"
    return line


done_weeks = {int(w["week"]) for w in observed}
for result in results.values():  # a queued week the engine has applied since reads as stored
    if result.kind == "queued" and result.week in done_weeks:
        result.kind = "stored"
newest_first = list(results.items())[::-1]
stored = sorted((r for _, r in newest_first if r.kind == "stored"), key=lambda r: r.week or 0, reverse=True)
if stored:
    # One compact box for the files that went through, latest week first; problems get their own blocks below.
    st.success("\n".join(f"- {md_escape(_stored_line(r))}" for r in stored[:12]), icon=":material/check:")
for file_id, result in newest_first:
    if result.kind == "replace":
        with st.container(border=True):
            render_message("warning", result.messages, f"{result.name}: week {result.week} is already stored")
            if st.button(f"Replace week {result.week}", key=f"replace_{file_id}", icon=":material/swap_horiz:",
                         help="The earlier upload is kept in the history; this file becomes the week's actuals."):
                with st.spinner(f"Replacing week {result.week}…"):
                    _confirm(file_id, result, replace=True, zero=result.missing_as_zero)
                st.rerun()
    elif result.kind == "missing":
        with st.container(border=True):
            render_message("warning", result.messages, f"{result.name}: some stores have no rows")
            if st.button("Treat missing stores as zero", key=f"zero_{file_id}", icon=":material/exposure_zero:"):
                with st.spinner("Processing with missing stores as zero…"):
                    _confirm(file_id, result, replace=result.replace, zero=True)
                st.rerun()
    elif result.kind == "partial":
        with st.container(border=True):
            render_message("warning", result.messages, f"{result.name}: week {result.week} is not complete")
            if st.button("Confirm as partial week", key=f"partial_{file_id}", icon=":material/date_range:",
                         help="Stored as a partial week: its variance compares it with the plan for the days it "
                              "holds (spread over the week by the history's weekday profile). Upload the full "
                              "week later to replace it; the partial file is kept in the history."):
                with st.spinner("Processing as a partial week…"):
                    _confirm(file_id, result, replace=result.replace, zero=result.missing_as_zero, partial=True)
                st.rerun()
    elif result.kind == "queued":
        render_message("info", result.messages, f"{result.name}: week {result.week} queued")
    elif result.kind == "waiting":
        when = "when the running step is done" if status.running_step else "after the next upload"
        render_message("warning", result.messages, f"{result.name}: not processed yet — it is tried again {when}")
    elif result.kind in ("rejected", "error"):
        render_message("error", result.messages, result.title)
if status.queued_weeks:  # stored in the database; the engine applies them in week order
    st.markdown("**Queued weeks** — stored, applied in week order as soon as the weeks before them are in")
    st.dataframe(pd.DataFrame([{"Week": q.week, "File": q.filename, "Units": fmt_int(q.total),
                                "Waiting for": q.waiting_for, "Uploaded by": q.uploaded_by}
                               for q in status.queued_weeks]), hide_index=True)
if results and st.button("Clear upload messages", key="clear_results", type="tertiary"):
    results.clear()
    st.session_state[UPLOADER_GEN] = st.session_state.get(UPLOADER_GEN, 0) + 1
    st.rerun()

# ------------------------------------------------------------------ charts
forecast = status.forecast.model_dump(mode="json") if status.forecast else {}
fiscal = st.toggle("NRF 4-5-4 fiscal weeks", key="fiscal_labels",
                   help="Show each week's retail fiscal week (NRF 4-5-4 calendar: year, quarter, month, week; "
                        "53-week years give January a fifth week) beside its date, here and in the exports.")
tab_fc, tab_var, tab_store, tab_rep = st.tabs([":material/show_chart: Forecast vs actual",
                                               ":material/percent: Variance",
                                               ":material/store: Stores", ":material/local_shipping: Replenishment"])
with tab_fc:
    show(forecast_vs_actual_figure(forecast, weeks))
    if observed:
        table = pd.DataFrame(observed)
        for c in ("actual", "plan", "original", "emergency_qty"):  # whole units: a planner counts pieces
            if c in table:
                table[c] = pd.to_numeric(table[c], errors="coerce").round(0)
        if "trigger" in table:  # only the final week over the threshold has one
            table["trigger"] = table["trigger"].fillna("")
        if "days_share" in table and table["days_share"].notna().any():  # confirmed partial weeks
            table["partial week"] = [f"{s:.0%} of the week's plan" if s == s and s is not None else ""
                                     for s in table["days_share"]]
        if fiscal and "start" in table:  # the NRF 4-5-4 fiscal week beside each date
            table["fiscal week"] = [fiscal_label(date.fromisoformat(str(d)[:10])) for d in table["start"]]
        keep = [c for c in ("week", "start", "fiscal week", "actual", "plan", "original", "variance",
                            "variance_vs_original", "cumulative_variance", "partial week", "reforecast", "trigger",
                            "emergency", "emergency_qty") if c in table]
        st.dataframe(table[keep], hide_index=True, width="stretch",
                     column_config={
                         **{c: st.column_config.NumberColumn(c.replace("_", " "), format="percent")
                            for c in ("variance", "variance_vs_original", "cumulative_variance")},
                         **{c: st.column_config.NumberColumn(c.replace("_", " ") + " (units)", format="localized")
                            for c in ("actual", "plan", "original", "emergency_qty")}})
with tab_var:
    if observed:
        show(variance_figure(weeks, threshold=float(params.get("variance_threshold") or 0.2),
                             emergency=float(params.get("emergency_threshold") or 0.3)))
    else:
        st.caption("No actuals yet.")
with tab_store:
    store_weeks = [r.model_dump() for r in status.store_weeks]
    allocation = [a.model_dump() for a in status.allocation]
    stores = sorted({str(r["store_id"]) for r in allocation})
    if not stores:
        st.caption("No stores allocated.")
    else:
        store = st.selectbox("Store", stores, key="drill_store")
        rows = [r for r in store_weeks if str(r.get("store_id")) == store]
        alloc = next((a for a in allocation if str(a["store_id"]) == store), {})
        s = st.columns(4)
        s[0].metric("Cluster", str(alloc.get("cluster", "—")))
        s[1].metric("Season total", f"{fmt_int(alloc.get('season_total'))} units")
        s[2].metric("Shipped", f"{fmt_int(alloc.get('shipped'))} units")
        s[3].metric("Sold", f"{fmt_int(alloc.get('sold'))} units")
        if rows:
            show(store_figure(store, rows))
        else:
            st.caption("No weekly actuals for this store yet.")
with tab_rep:
    queue = pd.DataFrame([r.model_dump() for r in status.replenishment])
    if params.get("replenishment") == "none":
        st.info("Replenishment skipped: strategy is none (all stock shipped at launch).")
    elif queue.empty:
        st.caption("No replenishment shipments planned yet.")
    else:
        weeks_in_queue = sorted(queue["week"].unique())
        pick = st.multiselect("Weeks", weeks_in_queue, default=weeks_in_queue[-1:], key="rep_weeks")
        view = queue[queue["week"].isin(pick)] if pick else queue
        if fiscal:  # the fiscal week of each shipment's season week, beside it in the table and the export
            labels = {int(w["week"]): fiscal_label(date.fromisoformat(str(w["start"])[:10]))
                      for w in weeks if w.get("start")}
            view = view.assign(**{"fiscal week": view["week"].map(lambda k: labels.get(int(k), ""))})
        r = st.columns(4)
        r[0].metric("Units to ship", fmt_int(view["qty"].sum()))
        r[1].metric("Stores", fmt_int((view["qty"] > 0).sum()))
        r[2].metric("Partial (DC short)", fmt_int(view["partial"].sum()) if "partial" in view else "0")
        r[3].metric("At the DC now", f"{fmt_int(status.dc_on_hand)} units")
        st.caption("Each store gets its share of the current plan for the next cycle plus a buffer for the "
                   "service level the economics give (safety stock without a unit cost), minus what it holds. "
                   "When the DC runs short it is shared in proportion to what each store asks for (without a "
                   "unit cost: largest need first).")
        if int(view["qty"].sum()) == 0:
            st.info("Nothing ships: " + md_escape(next((x for x in view["reason"] if x), "no store needs stock")),
                    icon=":material/inventory_2:")
        table = replenishment_frame(view.to_dict("records"))
        if "fiscal week" in view:
            table.insert(2, "fiscal week", view["fiscal week"].to_numpy())
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={**unit_columns(table, skip=("weeks of cover",)),
                                    "weeks of cover": st.column_config.NumberColumn(
                         "weeks of cover", help="Weeks of the current plan the store's stock on hand covers",
                         format="%.1f")})
        st.download_button("Export replenishment queue (CSV)", csv_bytes(table), file_name="replenishment.csv",
                           mime="text/csv", icon=":material/download:", key="dl_replenishment")

# ------------------------------------------------------------------ close
if state in (State.IN_SEASON, State.AWAITING_MARKDOWN_APPROVAL):
    st.divider()
    with st.expander("Close the season early"):
        st.write("Ends the season now with the weeks received so far and writes the season report.")
        if st.checkbox("Yes, close this season now", key="confirm_close"):
            blocked = status.why_not("close")
            if st.button("Close season", type="primary", icon=":material/flag:", key="close_season",
                         disabled=blocked is not None, help=blocked):
                ok, doc = call_service(service.close_season, wf, spinner="Closing the season and writing the report…")
                if ok:
                    flash("success", "Season closed. The report is ready.")
                    st.switch_page("pages/review.py")
