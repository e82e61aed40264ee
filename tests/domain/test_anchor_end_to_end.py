"""The planning engine runs the anchor data end to end: order -> clusters -> allocation -> 12 weeks of
the normal_season actuals (variance, re-forecast, re-allocation, replenishment, markdown at week 6)
-> season report. The orchestrator does this for real; here a small driver plays its part, and every
figure is checked against an independent computation from the CSV files."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from core.domain.allocation import allocate, reallocate_remaining
from core.domain.clustering import cluster_stores
from core.domain.forecast import apply_markdown_response, category_weekly_series, forecast_season, reforecast
from core.domain.ingest import parse_actuals, parse_history, parse_stores
from core.domain.markdown import propose_markdown
from core.domain.models import StoreState
from core.domain.order import manufacturing_order
from core.domain.params import make_parameters
from core.domain.replenishment import plan_replenishment
from core.domain.report import SeasonInputs, season_report, unit_price
from core.domain.variance import assess_variance

CAT = "Women's Dresses"
START = date(2025, 2, 17)
H = 12


def test_anchor_normal_season_end_to_end(anchor_dir: Path) -> None:
    params = make_parameters({"category": CAT, "season_start": "2025-02-17", "horizon_weeks": H, "dc_holdback": 0.45})
    history = parse_history((anchor_dir / "historical_sales_2022_2024.csv").read_bytes(), "history.csv").frame
    stores = parse_stores((anchor_dir / "store_attributes.csv").read_bytes(), "stores.csv").frame
    raw_history = pd.read_csv(anchor_dir / "historical_sales_2022_2024.csv", parse_dates=["date"])
    raw_history = raw_history[raw_history["category"] == CAT]

    # 1 pre-season: forecast and order (safety stock 0.20 by default with weekly replenishment)
    fc = forecast_season(category_weekly_series(history, CAT).values, season_start=START, horizon_weeks=H, category=CAT)
    assert len(fc.weeks) == H and fc.total > 0
    order = manufacturing_order(fc.total, params.safety_stock)
    assert order == math.ceil(round(fc.total * 1.2, 6))

    # 2 clusters: 50 stores in three named clusters ranked by average weekly dress sales
    clusters = cluster_stores(stores, history, CAT, params.n_clusters)
    assert [c.name for c in clusters.clusters] == ["Fashion_Forward", "Mainstream", "Value_Conscious"]
    assert sorted(clusters.assignments) == sorted(stores["store_id"])
    sales = [c.avg_weekly_sales for c in clusters.clusters]
    assert sales == sorted(sales, reverse=True)
    assert 0 < clusters.silhouette < 1
    # average weekly sales of the top cluster = 7 x units / days over its stores, from the raw file
    per_store = raw_history.groupby("store_id").agg(units=("quantity_sold", "sum"), days=("date", "nunique"))
    expected = (7 * per_store["units"] / per_store["days"])[clusters.clusters[0].stores].mean()
    assert clusters.clusters[0].avg_weekly_sales == round(float(expected), 6)

    # 2 allocation: shares from the same weeks of 2024, every unit placed, 45% held at the DC
    plan = allocate(order, clusters, stores, history, category=CAT, season_start=START, horizon_weeks=H,
                    dc_holdback=params.dc_holdback, basis="last_year")
    assert plan.share_basis == "same weeks last year (2024-02-19..2024-05-12)"
    window = raw_history[(raw_history["date"] >= "2024-02-19") & (raw_history["date"] <= "2024-05-12")]
    cluster_units = window.groupby(window["store_id"].map(clusters.assignments))["quantity_sold"].sum()
    for c in plan.clusters:
        assert c.share == round(float(cluster_units[c.name] / cluster_units.sum()), 6)
    assert sum(s.season_total for s in plan.stores) == order
    assert plan.dc_on_hand == order - math.floor(order * 0.55 + 0.5)

    # 3 in-season: 12 weekly uploads
    ids = [s.store_id for s in plan.stores]
    shipped = {s.store_id: s.initial for s in plan.stores}
    sold = dict.fromkeys(ids, 0)
    store_sold: dict[str, list[int]] = {i: [] for i in ids}
    store_received: dict[str, list[int]] = {i: [0] * H for i in ids}
    for s in plan.stores:
        store_received[s.store_id][0] = s.initial
    dc = plan.dc_on_hand
    original, current = fc, fc
    actuals: list[float] = []
    plans: list[float] = []
    reforecast_weeks: list[int] = []
    markdown = None
    for k in range(1, H + 1):
        path = anchor_dir / "scenarios" / "normal_season" / f"actuals_week_{k:02d}.csv"
        upload = parse_actuals(path.read_bytes(), path.name, season_start=START, horizon_weeks=H,
                               known_stores=ids, category=CAT)
        assert upload.week == k
        assert upload.total == int(pd.read_csv(path)["quantity_sold"].sum())
        actuals.append(upload.total)
        plans.append(current.weeks[k - 1].plan)
        for sid in ids:
            q = upload.by_store.get(sid, 0)
            sold[sid] += q
            store_sold[sid].append(q)

        rec = assess_variance(
            k, start=upload.week_start, actuals=actuals, plans=plans, original=[w.plan for w in original.weeks],
            remaining_plan=[w.plan for w in current.weeks[k:]], available_stock=order,
            variance_threshold=params.variance_threshold, emergency_threshold=params.emergency_threshold,
            store_actuals=upload.by_store, store_shares={s.store_id: s.season_total for s in plan.stores},
        )
        assert rec.variance == round(actuals[-1] / plans[-1] - 1, 6)
        assert rec.cumulative_variance == round(sum(actuals) / sum(plans) - 1, 6)
        assert rec.reforecast == (abs(actuals[-1] / plans[-1] - 1) > 0.20)
        assert len(rec.store_variance) == 50
        if rec.reforecast:
            reforecast_weeks.append(k)
            if k < H:
                current = reforecast(current, actuals, original=original)
                states = [StoreState(store_id=i, season_total=0, shipped=shipped[i], sold=sold[i]) for i in ids]
                plan = reallocate_remaining(plan, states, sold)
                assert sum(s.season_total for s in plan.stores) == order
                assert all(s.season_total >= shipped[s.store_id] for s in plan.stores)

        if k == params.markdown_week:
            markdown = propose_markdown(k, int(sum(actuals)), order, params)
            st = sum(actuals) / order
            assert markdown.sell_through == round(st, 10)
            expected_depth = min(0.40, math.floor((0.60 - st) * 2 / 0.05 + 0.5) * 0.05) if st < 0.60 else 0.0
            assert markdown.depth == round(expected_depth, 10)
            if markdown.depth > 0:
                current = apply_markdown_response(current, from_week=k + 1, depth=markdown.depth,
                                                  price_elasticity=params.price_elasticity)

        totals = {s.store_id: s.season_total for s in plan.stores}
        states = [StoreState(store_id=i, season_total=totals[i], shipped=shipped[i], sold=sold[i]) for i in ids]
        lines = plan_replenishment(k, strategy=params.replenishment, horizon_weeks=H, states=states, dc_on_hand=dc)
        assert sum(x.qty for x in lines) <= dc
        for x in lines:
            shipped[x.store_id] += x.qty
            store_received[x.store_id][k] += x.qty
            assert shipped[x.store_id] <= totals[x.store_id]
        dc -= sum(x.qty for x in lines)
        assert dc + sum(shipped.values()) == order  # nothing created or lost at the DC

    assert markdown is not None
    assert reforecast_weeks, "the publishers' week-5 shock and the markdown response must trip the threshold"

    # 5 season end
    report = season_report(SeasonInputs(
        params=params, original_weekly=[w.plan for w in original.weeks], final_plan_weekly=plans,
        actual_weekly=actuals, store_sold=store_sold, store_shipped=store_received, approved_qty=order,
        markdown_depth=markdown.depth, markdown_week=params.markdown_week, unit_price=unit_price(history, CAT),
        approvals_accepted=2, approvals_modified=0, reforecast_weeks=reforecast_weeks, runtime_s=1.5,
    ))
    a = np.array(actuals, dtype=float)
    f = np.array([w.plan for w in original.weeks])
    assert report.wape["original"] == round(float(np.abs(a - f).sum() / a.sum()), 6)
    assert report.bias["original"] == round(float((f.sum() - a.sum()) / a.sum()), 6)
    assert report.sell_through == round(a.sum() / order, 6)
    assert report.overstock_units == order - int(a.sum())
    assert report.markdown_units == int(a[6:].sum())
    price = float(raw_history["revenue"].sum() / raw_history["quantity_sold"].sum())
    assert report.unit_price == round(price, 4)
    assert report.markdown_cost == round(report.markdown_units * report.unit_price * markdown.depth, 2)
    assert report.reforecast_weeks == reforecast_weeks
    assert [t.parameter for t in report.tuning][:4] == [
        "safety_stock", "dc_holdback", "markdown_week", "variance_threshold",
    ]
    dc_left = {t.parameter: t for t in report.tuning}["dc_holdback"]
    assert (dc_left.recommended < 0.45) == (dc / order > 0.10)
    nxt = make_parameters(report.next_parameters)
    assert nxt.season_start == date(2026, 2, 16) and nxt.category == CAT
