"""Forecast & Allocation: the weekly forecast and its models, store clusters, the store allocation."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.domain.fiscal import fiscal_label
from core.orchestrator.service import PlannerService
from ui.charts import show
from ui.feedback import md_escape
from ui.figures import cluster_profile_figure, clusters_figure, forecast_figure, members_figure
from ui.layout import require_season, start_page
from ui.format import csv_bytes, fmt_int, fmt_pct, unit_columns


def members_rows(forecast: dict) -> list[dict]:
    """Which members made the plan, with which weight, and how each did on the held-out weeks."""
    totals = forecast.get("members") or {}
    weights = forecast.get("weights") or {}
    backtest = forecast.get("backtest") or {}
    rows = []
    for name in [*totals, "ensemble"]:
        weight = 1.0 if name == "ensemble" else weights.get(name)
        figures = backtest.get(name) or {}
        rows.append({"model": name, "weight": fmt_pct(weight, 0),
                     "season total": fmt_int(totals.get(name, forecast.get("original_total"))),
                     "backtest WAPE": fmt_pct(figures.get("wape"), 1), "backtest MAPE": fmt_pct(figures.get("mape"), 1),
                     "backtest bias": fmt_pct(figures.get("bias"), 1, signed=True)})
    return rows


service, status = start_page("Forecast & Allocation")
status = require_season(status)

params = status.parameters
if status.forecast is None or status.order is None:
    st.info("The forecast is not ready yet: it appears here as soon as its step has run.")
    st.page_link("pages/activity.py", label="Open Activity", icon=":material/timeline:")
    st.stop()
forecast = status.forecast.model_dump(mode="json")  # the figure builders take the JSON shape
order = status.order

c = st.columns(4)
c[0].metric("Forecast, season total", f"{fmt_int(status.forecast.total)} units")
c[1].metric("Proposed order", f"{fmt_int(order.proposed)} units",
            help=f"Forecast x (1 + safety stock {fmt_pct(params.get('safety_stock'), 0)}), rounded up.")
c[2].metric("Approved order", f"{fmt_int(order.approved)} units" if order.approved else "pending")
c[3].metric("At the DC now", f"{fmt_int(status.dc_on_hand)} units" if status.dc_on_hand is not None else "—",
            help="Units of the order not shipped to any store yet: the stores' season totals minus what they "
                 "received (the Allocation tab's 'still to ship' for all stores).")

tab_fc, tab_cl, tab_al = st.tabs([":material/show_chart: Forecast", ":material/hub: Clusters",
                                  ":material/store: Allocation"])

with tab_fc:
    show_members = st.toggle("Show each ensemble member", value=True, key="fc_members")
    show(forecast_figure(forecast, show_members=show_members))
    left, right = st.columns([3, 2])
    with left:
        show(members_figure(forecast))
    with right:
        st.markdown("**Method**")
        st.caption(md_escape(PlannerService.method_in_words(str(forecast.get("method") or "ensemble"))))
        backtest = forecast.get("backtest") or {}
        rows = members_rows(forecast)
        st.markdown("**Members**")
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        first = next(iter(backtest.values()), None)
        if first:
            st.caption(f"Backtest: the last {first.get('weeks')} weeks of history from {first.get('origin')}, "
                       "held out and forecast by the same method.")
        else:
            st.caption("No backtest figures were stored with this forecast.")
        for warning in forecast.get("warnings") or []:
            st.warning(md_escape(warning))
    weekly = pd.DataFrame(forecast.get("weekly") or [])
    if not weekly.empty:
        with st.expander("Weekly numbers"):
            if "start" in weekly and st.toggle("NRF 4-5-4 fiscal weeks", key="fiscal_labels_forecast",
                                               help="Each week's retail fiscal week beside its start date."):
                weekly.insert(int(list(weekly.columns).index("start")) + 1, "fiscal week",
                              [fiscal_label(date.fromisoformat(str(d)[:10])) for d in weekly["start"]])
            for c in ("plan", "original", "lo", "hi"):
                if c in weekly:
                    weekly[c] = weekly[c].round(0)
            st.dataframe(weekly, hide_index=True, width="stretch", column_config=unit_columns(weekly))

clusters = [c.model_dump() for c in status.clusters]
allocation = [a.model_dump() for a in status.allocation]
with tab_cl:
    if not clusters:
        st.info("Clusters are computed once the manufacturing order is approved (Approvals page).")
    else:
        m = st.columns(3)
        m[0].metric("Clusters", len(clusters))
        m[1].metric("Stores", sum(int(c.get("stores") if not isinstance(c.get("stores"), list) else len(c["stores"]))
                                  for c in clusters))
        sil = status.silhouette
        m[2].metric("Silhouette score", f"{sil:.2f}" if sil is not None else "—",
                    help="-1..1; higher means stores sit clearly in their cluster.")
        show(clusters_figure(clusters))
        table = pd.DataFrame([{"cluster": c["name"], "stores": c.get("stores") if not isinstance(c.get("stores"), list)
                               else len(c["stores"]), "share": c.get("share"), "units": c.get("units"),
                               "avg weekly sales": c.get("avg_weekly_sales")} for c in clusters])
        st.dataframe(table.dropna(axis=1, how="all"), hide_index=True, width="stretch",
                     column_config={"share": st.column_config.NumberColumn("share", format="percent"),
                                    "avg weekly sales": st.column_config.NumberColumn(format="%.1f")})
        profiles = {c["name"]: c["profile"] for c in clusters if c.get("profile")}
        if profiles:
            show(cluster_profile_figure(profiles))

with tab_al:
    if not allocation:
        st.info("The store allocation appears once the manufacturing order is approved (Approvals page).")
    else:
        frame = pd.DataFrame(allocation)
        # One DC figure: initial + replenished + still to ship = season total for every store, and still
        # to ship over all stores = what is at the DC now (dc_reserve clipped at 0 broke both sums).
        frame["replenished"] = frame["shipped"] - frame["initial"]
        frame["still_to_ship"] = frame["season_total"] - frame["shipped"]
        frame = frame[["store_id", "cluster", "season_total", "initial", "replenished", "still_to_ship", "shipped",
                       "sold"]]
        f1, f2 = st.columns([2, 1])
        names = sorted(frame["cluster"].unique())
        picked = f1.multiselect("Clusters", names, default=names, key="al_clusters")
        search = f2.text_input("Store contains", key="al_search", max_chars=40)
        view = frame[frame["cluster"].isin(picked)]
        if search:
            view = view[view["store_id"].astype(str).str.contains(search, case=False, regex=False)]
        totals = view[["season_total", "initial", "replenished", "still_to_ship"]].sum()
        shown = "" if len(view) == len(frame) else " (shown stores)"
        t = st.columns(4)
        t[0].metric(f"Season total{shown}", f"{fmt_int(totals['season_total'])} units")
        t[1].metric("Initial shipment", f"{fmt_int(totals['initial'])} units",
                    help=f"Season total x (1 - DC holdback {fmt_pct(params.get('dc_holdback'), 0)}).")
        t[2].metric("Replenished so far", f"{fmt_int(totals['replenished'])} units")
        t[3].metric(f"Still to ship from the DC{shown}", f"{fmt_int(totals['still_to_ship'])} units",
                    help="Season total - initial - replenished. Over all stores it is what is at the DC now; a "
                         "negative store figure: a re-plan lowered its total below what it already received.")
        st.dataframe(view, hide_index=True, width="stretch",
                     column_config={"store_id": "store", "season_total": st.column_config.NumberColumn(
                         "season total", format="localized"),
                         "initial": st.column_config.NumberColumn("initial", format="localized"),
                         "replenished": st.column_config.NumberColumn("replenished", format="localized"),
                         "still_to_ship": st.column_config.NumberColumn("still to ship", format="localized"),
                         "shipped": st.column_config.NumberColumn("shipped", format="localized"),
                         "sold": st.column_config.NumberColumn("sold", format="localized")})
        st.caption("Click a column header to sort.")
        d1, d2 = st.columns(2)
        d1.download_button("Download allocation (CSV)", csv_bytes(frame), file_name="allocation.csv",
                           mime="text/csv", icon=":material/download:", key="dl_allocation")
        shipments = [{"week": 0, "store_id": r["store_id"], "qty": int(r["initial"]), "type": "initial (season start)"}
                     for r in allocation if int(r.get("initial") or 0) > 0]
        shipments += [{"week": r.week, "store_id": r.store_id, "qty": r.qty,
                       "type": "replenishment (partial)" if r.partial else "replenishment"}
                      for r in status.replenishment if r.qty > 0]
        d2.download_button("Download shipment list (CSV)", csv_bytes(pd.DataFrame(shipments)),
                           file_name="shipments.csv", mime="text/csv", icon=":material/local_shipping:",
                           key="dl_shipments")
