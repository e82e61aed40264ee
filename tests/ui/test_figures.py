"""Figure builders draw exactly the numbers they are given, with units on the axes."""

from __future__ import annotations

import pytest

from ui import figures

FORECAST = {
    "total": 300.0,
    "members": {"mstl": 280.0, "theta": 320.0},
    "member_weekly": {"mstl": [90.0, 90.0, 100.0], "theta": [110.0, 100.0, 110.0]},
    "weekly": [
        {"week": 1, "start": "2026-02-23", "plan": 100.0, "original": 100.0, "lo": 80.0, "hi": 120.0},
        {"week": 2, "start": "2026-03-02", "plan": 95.0, "original": 100.0, "lo": 75.0, "hi": 115.0},
        {"week": 3, "start": "2026-03-09", "plan": 105.0, "original": 100.0, "lo": 85.0, "hi": 125.0},
    ],
}


def _trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert found, f"no trace named {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def test_forecast_figure_draws_interval_plan_and_each_member():
    fig = figures.forecast_figure(FORECAST)
    assert list(_trace(fig, "ensemble forecast").y) == [100.0, 95.0, 105.0]
    assert list(_trace(fig, "80% interval").y) == [80.0, 75.0, 85.0]
    assert list(_trace(fig, "member: theta").y) == [110.0, 100.0, 110.0]
    assert list(_trace(fig, "member: mstl").x) == [1, 2, 3]
    assert fig.layout.yaxis.title.text == "Units per week"
    # Week axes carry the date each week starts on; tooltips name the week once ("Week 1 (2026-02-23)").
    assert list(fig.layout.xaxis.ticktext) == ["W1<br>Feb 23", "W2<br>Mar 2", "W3<br>Mar 9"]
    plan = _trace(fig, "ensemble forecast")
    assert list(plan.customdata) == ["Week 1 (2026-02-23)", "Week 2 (2026-03-02)", "Week 3 (2026-03-09)"]
    assert plan.hovertemplate == "%{customdata}: %{y:,.0f} units<extra></extra>"


def test_no_tooltip_prefixes_the_week_tick_text_again():
    # %{x} in a tooltip shows the axis' tick text ("W6"): "W%{x}" printed "WW6".
    weeks = [{"week": 1, "start": "2026-02-23", "actual": 130.0, "plan": 100.0, "variance": 0.3,
              "cumulative_variance": 0.3, "reforecast": True}]
    figs = [figures.forecast_figure(FORECAST), figures.forecast_vs_actual_figure(FORECAST, weeks),
            figures.variance_figure(weeks, threshold=0.2, emergency=0.3),
            figures.store_figure("S1", [{"week": 1, "actual": 5, "plan": 4, "shipped_to_date": 9, "sold_to_date": 5}],
                                 starts={1: "2026-02-23"})]
    for fig in figs:
        for trace in fig.data:
            assert "W%{x}" not in str(trace.hovertemplate or "")
    assert list(figs[3].data[0].customdata) == ["Week 1 (2026-02-23)"]


def test_after_a_reforecast_the_plan_is_called_the_current_plan():
    revised = {**FORECAST, "revision": 2}
    assert _trace(figures.forecast_figure(revised), "current plan").y is not None
    assert list(figures.members_figure(revised).data[0].y) == ["mstl", "theta", "current plan"]


def test_members_figure_puts_ensemble_after_members():
    fig = figures.members_figure(FORECAST)
    bar = fig.data[0]
    assert list(bar.y) == ["mstl", "theta", "ensemble"]
    assert list(bar.x) == [280.0, 320.0, 300.0]
    assert "Units" in fig.layout.xaxis.title.text


def test_forecast_vs_actual_marks_reforecast_weeks_only():
    weeks = [
        {"week": 1, "start": "2026-02-23", "actual": 130.0, "plan": 100.0, "variance": 0.3, "reforecast": True},
        {"week": 2, "start": "2026-03-02", "actual": 96.0, "plan": 95.0, "variance": 0.01, "reforecast": False},
        {"week": 3, "start": "2026-03-09", "actual": None, "plan": 105.0, "variance": None, "reforecast": False},
    ]
    fig = figures.forecast_vs_actual_figure(FORECAST, weeks)
    assert list(_trace(fig, "actual").y) == [130.0, 96.0]
    assert list(_trace(fig, "re-forecast triggered").x) == [1]
    assert list(_trace(fig, "original forecast").y) == [100.0, 100.0, 100.0]
    assert list(_trace(fig, "current plan").y) == [100.0, 95.0, 105.0]


def test_variance_figure_colours_by_threshold_and_draws_band():
    weeks = [
        {"week": 1, "variance": 0.10},
        {"week": 2, "variance": -0.25},
        {"week": 3, "variance": 0.45},
        {"week": 4, "variance": None},
    ]
    fig = figures.variance_figure(weeks, threshold=0.20, emergency=0.30)
    bar = _trace(fig, "variance vs plan")
    assert list(bar.x) == [1, 2, 3]
    assert list(bar.y) == pytest.approx([10.0, -25.0, 45.0])
    assert list(bar.marker.color) == [figures.GOOD, figures.WARN, figures.BAD]
    band = [s for s in fig.layout.shapes if s.type == "rect"]
    assert band and band[0].y0 == pytest.approx(-20.0) and band[0].y1 == pytest.approx(20.0)
    dotted = sorted(s.y0 for s in fig.layout.shapes if s.type == "line")
    assert dotted == pytest.approx([-30.0, 30.0])
    assert fig.layout.yaxis.title.text == "Variance vs plan (%)"


def test_clusters_figure_shows_share_in_percent_and_store_counts():
    clusters = [
        {"name": "Fashion_Forward", "stores": 10, "share": 0.5, "units": 500},
        {"name": "Value_Conscious", "stores": ["S1", "S2"], "share": 0.25, "units": 250},
    ]
    fig = figures.clusters_figure(clusters)
    bar = fig.data[0]
    assert list(bar.y) == [50.0, 25.0]
    assert list(bar.text) == ["50.0% · 10 stores", "25.0% · 2 stores"]


def test_cluster_profile_is_relative_to_the_mean_of_clusters():
    fig = figures.cluster_profile_figure({"A": {"size": 30000.0, "tier": 2.5}, "B": {"size": 10000.0, "tier": 1.5}})
    heat = fig.data[0]
    assert list(heat.x) == ["size", "tier"]
    assert [row[0] for row in heat.z] == pytest.approx([150.0, 50.0])
    assert [row[1] for row in heat.z] == pytest.approx([125.0, 75.0])
    assert [row[0] for row in heat.text] == ["30,000", "10,000"]
    assert [row[1] for row in heat.text] == ["2.5", "1.5"]


def test_phase_graph_colours_each_status_and_explains_skips():
    phases = [
        {"phase": "parameters", "index": 0, "status": "done"},
        {"phase": "in-season", "index": 3, "status": "skipped", "reason": "Replenishment skipped: strategy is none"},
        {"phase": "markdown", "index": 4, "status": "waiting", "reason": "markdown awaits approval"},
    ]
    fig = figures.phase_graph_figure(phases)
    nodes = fig.data[1]
    assert list(nodes.marker.color) == [figures.GOOD, figures.MUTED, figures.WARN]
    assert list(nodes.text) == ["0", "3", "4"]
    assert nodes.customdata[1] == "skipped: Replenishment skipped: strategy is none"
    assert nodes.customdata[2] == "waiting for approval: markdown awaits approval"
    texts = [a.text for a in fig.layout.annotations]
    assert "waiting" in texts and "Markdown" in texts and "In-season" in texts


def test_store_figure_plots_plan_actual_and_cumulative_lines():
    rows = [
        {"week": 2, "actual": 12, "plan": 10, "shipped_to_date": 40, "sold_to_date": 22},
        {"week": 1, "actual": 10, "plan": 11, "shipped_to_date": 40, "sold_to_date": 10},
    ]
    fig = figures.store_figure("S007", rows)
    assert list(_trace(fig, "actual").y) == [10, 12]
    assert list(_trace(fig, "sold to date").y) == [10, 22]
    assert fig.layout.title.text == "Store S007"


def test_report_errors_figure_in_percent_with_missing_values():
    report = {"mape": {"original": 0.12, "final": 0.08}, "wape": {"original": 0.1, "final": None},
              "bias": {"original": -0.05, "final": 0.01}}
    fig = figures.report_errors_figure(report)
    original = _trace(fig, "original forecast")
    final = _trace(fig, "final plan")
    assert list(original.y) == pytest.approx([12.0, 10.0, -5.0])
    assert list(final.text) == ["8.0%", "n/a", "+1.0%"]
