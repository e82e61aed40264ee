"""Season Review: the season report, its charts and the tuning advice for the next season."""

from __future__ import annotations

import json
from datetime import timedelta, date
from typing import Any

import streamlit as st

from core.exports.workbook import season_workbook, workbook_filename
from ui.charts import show
from ui.feedback import call_service, md_escape
from ui.figures import forecast_vs_actual_figure, report_errors_figure
from ui.layout import require_season, start_page
from ui.format import as_dict, fmt_duration, fmt_int, fmt_money, fmt_pct
from ui.params_form import NAMES, describe_parameters, humanize, show_value
from ui.session import flash, select_workflow

service, status = start_page("Season Review")
status = require_season(status)

wf = status.workflow_id
if status.why_not("report") is not None:
    st.info("The report is written when the season closes: after the last week's actuals, or when you close "
            "the season early on the In-Season page.")
    st.page_link("pages/in_season.py", label="Go to In-Season", icon=":material/upload_file:")
    st.stop()


@st.cache_data(show_spinner="Loading the season report…", max_entries=16)
def _report(workflow_id: str, version: int) -> dict[str, Any]:  # a closed season's report never changes
    return as_dict(service.checked_report(workflow_id))  # tuning advice checked by replaying the season


try:
    report = _report(wf, status.version)
except Exception:
    ok, _ = call_service(service.report, wf)  # shows the messages and what to do
    st.stop()

st.caption("Closed early by the planner." if report.get("closed_early") else "All season weeks were received.")
m = st.columns(4)
m[0].metric("Sell-through", fmt_pct(report.get("sell_through"), 1))
m[1].metric("WAPE, final plan", fmt_pct((report.get("wape") or {}).get("final"), 1),
            delta=None if (report.get("wape") or {}).get("original") is None
            else f"original forecast {fmt_pct(report['wape']['original'], 1)}", delta_color="off", delta_arrow="off")
m[2].metric("Stockout store-weeks", fmt_int(report.get("stockout_store_weeks")))
m[3].metric("Overstock", f"{fmt_int(report.get('overstock_units'))} units",
            help="Approved quantity − units sold.")
n = st.columns(4)
n[0].metric("Markdown units", fmt_int(report.get("markdown_units")))
currency = report.get("currency") or "USD"
price_known = (report.get("unit_price") or 0) > 0
n[1].metric(f"Markdown cost ({currency})", fmt_money(report.get("markdown_cost")) if price_known else "—",
            help=f"Revenue given up: markdown units x unit price {report.get('unit_price', 0):,.2f} {currency} "
                 "x depth.")
approvals = report.get("approvals") or {}
n[2].metric("Approvals accepted / modified", f"{approvals.get('accepted', 0)} / {approvals.get('modified', 0)}")
n[3].metric("Re-forecasts", len(report.get("reforecast_weeks") or []),
            help="Weeks: " + (", ".join(str(w) for w in report.get("reforecast_weeks") or []) or "none"))
r = st.columns(4)
r[0].metric(f"Revenue ({currency})", fmt_money(report.get("revenue")),
            help="Units sold at full price plus the marked-down units at their reduced price." if price_known
            else "Unknown: the history has no revenue and no unit price was entered.")
r[1].metric(f"Profit ({currency})", fmt_money(report.get("profit")),
            help=(f"Revenue − unit cost x units made + salvage {report.get('salvage_value') or 0:,.2f} x leftover. "
                  f"Margin on units sold: {fmt_money(report.get('margin'))}.") if report.get("profit") is not None
            else "Enter a unit cost in the parameters to see the profit.")
r[2].metric(f"Unit price ({currency})", fmt_money(report.get("unit_price"), digits=2) if price_known else "—")
r[3].metric(f"Unit cost ({currency})", fmt_money(report.get("unit_cost"), digits=2))
st.caption(f"Weeks observed: {fmt_int(report.get('weeks_observed'))} · estimated lost sales: "
           f"{fmt_int(report.get('lost_sales_estimate'))} units · workflow runtime "
           f"{fmt_duration(report.get('runtime_s'))}")

c1, c2 = st.columns(2)
with c1:
    show(report_errors_figure(report))
with c2:
    show(forecast_vs_actual_figure(status.forecast.model_dump(mode="json") if status.forecast else {},
                                   [w.model_dump(mode="json") for w in status.weeks]))

st.subheader("Tuning advice for the next season", divider="gray", anchor=False)
tuning = report.get("tuning") or []


if tuning:
    # A list rather than a table: the reasons are sentences and must stay readable in a narrow window.
    st.markdown("\n".join(
        f"- **{md_escape(NAMES.get(t['parameter'], t['parameter']))}**: "
        f"{md_escape(show_value(t['parameter'], t.get('current')))} → "
        f"**{md_escape(show_value(t['parameter'], t.get('recommended')))}** — "
        f"{md_escape(humanize(str(t.get('reason', ''))))}" for t in tuning))
else:
    st.caption("No changes recommended: the parameters worked for this season.")

b1, b3, b2 = st.columns(3)
# The file names its season, so a report saved weeks later still says which season it describes.
download = {"workflow_id": wf, "parameters": status.parameters, **report}
b1.download_button("Download report (JSON)", json.dumps(download, indent=2, default=str).encode("utf-8"),
                   file_name=f"season_report_{wf[:8]}.json", mime="application/json", icon=":material/download:",
                   key="dl_report")
b3.download_button("Download season workbook (Excel)", season_workbook(status, report), icon=":material/table_view:",
                   file_name=workbook_filename(status), key="dl_workbook",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
if b2.button("Start next season with these parameters", type="primary", icon=":material/replay:",
             key="next_season"):
    nxt = dict(report.get("next_parameters") or status.parameters)
    start = nxt.get("season_start")
    if start and date.fromisoformat(str(start)[:10]) <= date.fromisoformat(str(status.parameters["season_start"])[:10]):
        # Same season next year is the usual next plan; the planner can change it in the form.
        nxt["season_start"] = date.fromisoformat(str(start)[:10]) + timedelta(weeks=52)
    st.session_state["plan_prefill"] = nxt
    st.session_state["plan_dataset"] = status.dataset_id  # the season's own data, not the demo
    # The old season's words would undo the tuning if read again; describe the carried-over values instead.
    st.session_state["plan_text"] = describe_parameters(nxt)
    st.session_state.pop("extraction", None)
    select_workflow(None)
    flash("info", "Parameters carried over from the review, with the tuning advice applied. "
                  "Check them and press Start season.")
    st.switch_page("pages/plan.py")
