"""Plotly figure builders. Inputs are plain dicts / lists from the status document (docs/planning-rules.md §8).

Each builder draws what the service computed; none of them derives a planning number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from ui.format import as_dict, fmt_pct
from ui.theme import ACTUAL, BAD, BAND, GOOD, MUTED, ORIGINAL, PRIMARY, SERIES, WARN, styled

WEEK_AXIS = "Season week"
UNITS_AXIS = "Units per week"

PHASE_STATUS_COLOURS: dict[str, str] = {
    "done": GOOD,
    "running": PRIMARY,
    "waiting": WARN,  # waiting for an approval or for the next week's actuals
    "waiting_for_approval": WARN,
    "skipped": MUTED,
    "pending": "#DDE3E9",
    "failed": BAD,
    "needs_attention": BAD,
}
PHASE_STATUS_LABELS: dict[str, str] = {
    "done": "done",
    "running": "running",
    "waiting": "waiting",
    "waiting_for_approval": "waiting for approval",
    "skipped": "skipped",
    "pending": "not started",
    "failed": "failed",
    "needs_attention": "needs attention",
}


def week_label(week: int, start: str | None = None) -> str:
    """'Week 6 (2026-03-30)' for tooltips; the week number alone when the date is unknown."""
    return f"Week {week} ({start[:10]})" if start else f"Week {week}"


def _tick_text(week: int, start: str | None) -> str:
    if not start:
        return f"W{week}"
    try:
        day = date.fromisoformat(start[:10])
    except ValueError:
        return f"W{week}"
    return f"W{week}<br>{day.strftime('%b')} {day.day}"


def _week_ticks(fig: go.Figure, weeks: Sequence[int], starts: Sequence[str | None] | None = None) -> None:
    """Season weeks on the axis, each with the date its week starts on (e.g. 'W6' over 'Mar 30')."""
    if weeks:
        dates = list(starts) if starts is not None else [None] * len(weeks)
        fig.update_xaxes(tickmode="array", tickvals=list(weeks),
                         ticktext=[_tick_text(w, d) for w, d in zip(weeks, dates)],
                         range=[min(weeks) - 0.5, max(weeks) + 0.5])


def _starts(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(r.get("start", ""))[:10] for r in rows]


def _labels(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return [week_label(int(r["week"]), str(r.get("start") or "")[:10] or None) for r in rows]


def plan_name(forecast: Mapping[str, Any]) -> str:
    """The plan line's name: after a re-forecast or a markdown it is no longer the ensemble forecast."""
    return "current plan" if int(forecast.get("revision") or 0) > 0 else "ensemble forecast"


def forecast_figure(forecast: Mapping[str, Any] | Any, *, show_members: bool = True) -> go.Figure:
    """Weekly forecast with its 80% interval, and the weekly path of each ensemble member."""
    forecast = as_dict(forecast) or {}
    weekly = list(forecast.get("weekly") or [])
    weeks = [int(w["week"]) for w in weekly]
    labels = _labels(weekly)
    fig = go.Figure()
    if weekly:
        fig.add_trace(go.Scatter(x=weeks, y=[w["hi"] for w in weekly], mode="lines", line=dict(width=0),
                                 customdata=labels, showlegend=False, name="80% interval (high)",
                                 hovertemplate="%{customdata}: 80% high %{y:,.0f} units<extra></extra>"))
        fig.add_trace(go.Scatter(x=weeks, y=[w["lo"] for w in weekly], mode="lines", line=dict(width=0),
                                 fill="tonexty", fillcolor=BAND, name="80% interval", customdata=labels,
                                 hovertemplate="%{customdata}: 80% low %{y:,.0f} units<extra></extra>"))
    member_weekly: Mapping[str, Sequence[float]] = forecast.get("member_weekly") or {}
    if show_members:
        for i, (name, values) in enumerate(member_weekly.items()):
            fig.add_trace(go.Scatter(
                x=weeks[: len(values)], y=list(values), mode="lines", name=f"member: {name}",
                line=dict(dash="dot", width=1.5, color=SERIES[(i + 1) % len(SERIES)]),
                customdata=labels[: len(values)],
                hovertemplate=f"{name} %{{customdata}}: %{{y:,.0f}} units<extra></extra>"))
    if weekly:
        fig.add_trace(go.Scatter(
            x=weeks, y=[w["plan"] for w in weekly], mode="lines+markers", name=plan_name(forecast),
            line=dict(color=PRIMARY, width=3), customdata=labels,
            hovertemplate="%{customdata}: %{y:,.0f} units<extra></extra>"))
    _week_ticks(fig, weeks, _starts(weekly))
    return styled(fig, title="Weekly category forecast (80% interval)", x_title=WEEK_AXIS, y_title=UNITS_AXIS)


def members_figure(forecast: Mapping[str, Any] | Any) -> go.Figure:
    """Season total of each ensemble member next to the ensemble."""
    forecast = as_dict(forecast) or {}
    members: Mapping[str, float] = forecast.get("members") or {}
    names = list(members) + ["current plan" if int(forecast.get("revision") or 0) > 0 else "ensemble"]
    totals = [float(v) for v in members.values()] + [float(forecast.get("total") or 0.0)]
    colours = [SERIES[(i + 1) % len(SERIES)] for i in range(len(members))] + [PRIMARY]
    fig = go.Figure(go.Bar(x=totals, y=names, orientation="h", marker_color=colours,
                           text=[f"{t:,.0f}" for t in totals], textposition="auto",
                           hovertemplate="%{y}: %{x:,.0f} units<extra></extra>"))
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    return styled(fig, title="Season total by model", x_title="Units (season total)", y_title="",
                  height=90 + 40 * len(names))


def clusters_figure(clusters: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Store count and share of the order per cluster."""
    clusters = [as_dict(c) for c in clusters]
    names = [c["name"] for c in clusters]
    stores = [len(c["stores"]) if isinstance(c.get("stores"), list) else int(c.get("stores") or 0)
              for c in clusters]
    shares = [float(c.get("share") or 0.0) for c in clusters]
    fig = go.Figure(go.Bar(
        x=names, y=[s * 100 for s in shares], marker_color=SERIES[: len(names)],
        text=[f"{fmt_pct(s)} · {n} stores" for s, n in zip(shares, stores)], textposition="auto",
        hovertemplate="%{x}: %{y:.1f}% of the order<extra></extra>"))
    return styled(fig, title="Cluster share of the order", x_title="Store cluster", y_title="Share of order (%)",
                  height=320)


def _short_number(value: float) -> str:
    """1.35, 232.4, 96,210 — readable in a heat-map cell whatever the feature's scale."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


# Raw feature means are on very different scales; the profile shows each relative to the all-store mean.
def cluster_profile_figure(profiles: Mapping[str, Mapping[str, float]]) -> go.Figure:
    """Heat map of each cluster's feature means, as % of the mean over clusters."""
    names = list(profiles)
    features = sorted({f for p in profiles.values() for f in p})
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for name in names:
        row: list[float | None] = []
        labels: list[str] = []
        for f in features:
            values = [float(profiles[n].get(f, 0.0)) for n in names]
            mean = sum(values) / len(values) if values else 0.0
            raw = profiles[name].get(f)
            rel = (float(raw) / mean * 100.0) if raw is not None and mean else None
            row.append(rel)
            labels.append("—" if raw is None else _short_number(float(raw)))
        z.append(row)
        text.append(labels)
    fig = go.Figure(go.Heatmap(
        z=z, x=[f.replace("_", " ") for f in features], y=names, text=text, texttemplate="%{text}",
        colorscale="Blues", colorbar=dict(title="% of mean"),
        hovertemplate="%{y} · %{x}: %{text} (%{z:.0f}% of the cluster mean)<extra></extra>"))
    fig.update_yaxes(rangemode="normal", autorange="reversed")  # first cluster (highest sales) on top
    return styled(fig, title="Cluster feature profile (cell: mean value; colour: vs. average)",
                  x_title="Feature", y_title="Cluster", height=120 + 50 * max(len(names), 1))


def forecast_vs_actual_figure(forecast: Mapping[str, Any] | Any, weeks: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Original forecast, current plan with interval, actuals and the weeks that triggered a re-forecast."""
    forecast = as_dict(forecast) or {}
    weekly = list(forecast.get("weekly") or [])
    observed = [as_dict(w) for w in weeks if w.get("actual") is not None]
    x = [int(w["week"]) for w in weekly]
    labels = _labels(weekly)
    starts = {int(w["week"]): str(w.get("start") or "")[:10] for w in weekly}
    fig = go.Figure()
    if weekly:
        fig.add_trace(go.Scatter(x=x, y=[w["hi"] for w in weekly], mode="lines", line=dict(width=0),
                                 hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=[w["lo"] for w in weekly], mode="lines", line=dict(width=0),
                                 fill="tonexty", fillcolor=BAND, name="80% interval", hoverinfo="skip"))
        originals = [w.get("original") for w in weekly]
        if any(v is not None for v in originals):
            fig.add_trace(go.Scatter(x=x, y=originals, mode="lines", name="original forecast",
                                     line=dict(color=ORIGINAL, dash="dash", width=2), customdata=labels,
                                     hovertemplate="%{customdata} original: %{y:,.0f} units<extra></extra>"))
        fig.add_trace(go.Scatter(x=x, y=[w["plan"] for w in weekly], mode="lines", name="current plan",
                                 line=dict(color=PRIMARY, width=3), customdata=labels,
                                 hovertemplate="%{customdata} plan: %{y:,.0f} units<extra></extra>"))
    if observed:
        seen = [week_label(int(w["week"]), str(w.get("start") or starts.get(int(w["week"])) or "")[:10] or None)
                for w in observed]
        fig.add_trace(go.Scatter(x=[w["week"] for w in observed], y=[w["actual"] for w in observed],
                                 mode="lines+markers", name="actual", line=dict(color=ACTUAL, width=2.5),
                                 marker=dict(size=8), customdata=seen,
                                 hovertemplate="%{customdata} actual: %{y:,.0f} units<extra></extra>"))
        refc = [(w, lab) for w, lab in zip(observed, seen) if w.get("reforecast")]
        if refc:
            fig.add_trace(go.Scatter(
                x=[w["week"] for w, _ in refc], y=[w["actual"] for w, _ in refc], mode="markers",
                name="re-forecast triggered", marker=dict(symbol="diamond-open", size=16, color=BAD,
                                                          line=dict(width=2.5)),
                customdata=[lab for _, lab in refc],
                hovertemplate="%{customdata}: re-forecast after this week<extra></extra>"))
    _week_ticks(fig, x, [starts.get(w) for w in x])
    return styled(fig, title="Forecast vs actual", x_title=WEEK_AXIS, y_title="Units sold per week")


def variance_figure(weeks: Sequence[Mapping[str, Any]], *, threshold: float, emergency: float) -> go.Figure:
    """Weekly variance vs plan with the re-forecast band (±threshold) and the emergency lines."""
    observed = [as_dict(w) for w in weeks if w.get("variance") is not None]
    x = [int(w["week"]) for w in observed]
    labels = _labels(observed)
    values = [float(w["variance"]) * 100 for w in observed]
    colours = [BAD if abs(v) > emergency * 100 else WARN if abs(v) > threshold * 100 else GOOD for v in values]
    fig = go.Figure()
    fig.add_hrect(y0=-threshold * 100, y1=threshold * 100, fillcolor="rgba(46, 139, 87, 0.10)", line_width=0,
                  annotation_text=f"±{threshold * 100:.0f}% re-forecast threshold", annotation_position="top left",
                  annotation_font_size=11)
    for sign in (1, -1):
        fig.add_hline(y=sign * emergency * 100, line=dict(color=BAD, dash="dot", width=1))
    fig.add_trace(go.Bar(x=x, y=values, marker_color=colours, name="variance vs plan",
                         text=[f"{v:+.1f}%" for v in values], textposition="outside", customdata=labels,
                         hovertemplate="%{customdata}: %{y:+.1f}% vs plan<extra></extra>"))
    cumulative = [w.get("cumulative_variance") for w in observed]
    if any(c is not None for c in cumulative):
        fig.add_trace(go.Scatter(x=x, y=[None if c is None else float(c) * 100 for c in cumulative],
                                 mode="lines+markers", name="season to date", line=dict(color=PRIMARY),
                                 customdata=labels,
                                 hovertemplate="to %{customdata}: %{y:+.1f}%<extra></extra>"))
    top = max([abs(v) for v in values] + [emergency * 100]) * 1.25
    fig.update_yaxes(range=[-top, top], rangemode="normal", zeroline=True, zerolinecolor="#9AA5B1")
    _week_ticks(fig, x, _starts(observed))
    fig.add_annotation(text=f"dotted: +{emergency * 100:.0f}% emergency reorder, "
                            f"−{emergency * 100:.0f}% shortfall alert",
                       xref="paper", yref="paper", x=1, y=1.0,
                       xanchor="right", yanchor="bottom", showarrow=False, font=dict(size=11, color=BAD))
    return styled(fig, title="Weekly variance: (actual − plan) / plan", x_title=WEEK_AXIS,
                  y_title="Variance vs plan (%)")


def store_figure(store_id: str, rows: Sequence[Mapping[str, Any]],
                 starts: Mapping[int, str] | None = None) -> go.Figure:
    """One store's weekly actual against its plan, with cumulative shipped vs sold when known.

    `starts` (week -> start date) puts the dates on the axis and in the tooltips."""
    rows = sorted((as_dict(r) for r in rows), key=lambda r: int(r["week"]))
    x = [int(r["week"]) for r in rows]
    dates = [(starts or {}).get(w) or str(r.get("start") or "")[:10] or None for w, r in zip(x, rows)]
    labels = [week_label(w, d) for w, d in zip(x, dates)]
    fig = go.Figure()
    if any(r.get("plan") is not None for r in rows):
        fig.add_trace(go.Bar(x=x, y=[r.get("plan") for r in rows], name="plan", marker_color=MUTED, customdata=labels,
                             hovertemplate="%{customdata} plan: %{y:,.0f} units<extra></extra>"))
    fig.add_trace(go.Bar(x=x, y=[r.get("actual") for r in rows], name="actual", marker_color=ACTUAL, customdata=labels,
                         hovertemplate="%{customdata} actual: %{y:,.0f} units<extra></extra>"))
    if any(r.get("shipped_to_date") is not None for r in rows):
        fig.add_trace(go.Scatter(x=x, y=[r.get("shipped_to_date") for r in rows], name="shipped to date",
                                 mode="lines+markers", line=dict(color=PRIMARY), yaxis="y2",
                                 customdata=labels, hovertemplate="to %{customdata}: %{y:,.0f} shipped<extra></extra>"))
        fig.add_trace(go.Scatter(x=x, y=[r.get("sold_to_date") for r in rows], name="sold to date",
                                 mode="lines+markers", line=dict(color=ACTUAL, dash="dot"), yaxis="y2",
                                 customdata=labels, hovertemplate="to %{customdata}: %{y:,.0f} sold<extra></extra>"))
        fig.update_layout(yaxis2=dict(title="Units to date", overlaying="y", side="right", rangemode="tozero",
                                      showgrid=False))
    fig.update_layout(barmode="group")
    _week_ticks(fig, x, dates)
    return styled(fig, title=f"Store {store_id}", x_title=WEEK_AXIS, y_title="Units sold per week", height=320)


def phase_graph_figure(phases: Sequence[Mapping[str, Any]]) -> go.Figure:
    """The six phases as a chain of nodes coloured by status (done / running / waiting / skipped)."""
    phases = [as_dict(p) for p in phases]
    n = len(phases)
    x = list(range(n))
    statuses = [str(p.get("status", "pending")) for p in phases]
    colours = [PHASE_STATUS_COLOURS.get(s, "#DDE3E9") for s in statuses]
    labels = [str(p.get("name") or p.get("phase")).capitalize() for p in phases]
    hover = []
    for p, s in zip(phases, statuses):
        text = PHASE_STATUS_LABELS.get(s, s.replace("_", " "))
        if p.get("reason"):
            text += f": {p['reason']}"
        if s == "waiting" and "approv" in str(p.get("reason", "")):
            text = "waiting for approval: " + str(p["reason"])
        hover.append(text)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[0] * n, mode="lines", line=dict(color="#C9D1D9", width=3), hoverinfo="skip",
                             showlegend=False))
    fig.add_trace(go.Scatter(
        x=x, y=[0] * n, mode="markers+text", marker=dict(size=34, color=colours, line=dict(color="white", width=2)),
        text=[str(p.get("index", i)) for i, p in enumerate(phases)], textfont=dict(color="white", size=13),
        customdata=hover, hovertemplate="%{customdata}<extra></extra>", showlegend=False))
    for xi, label, s in zip(x, labels, statuses):
        # Alternate label rows so six names fit side by side in a phone-wide window.
        fig.add_annotation(x=xi, y=-0.5 if xi % 2 == 0 else -0.85, text=label, showarrow=False, font=dict(size=12))
        fig.add_annotation(x=xi, y=0.55, text=PHASE_STATUS_LABELS.get(s, s.replace("_", " ")), showarrow=False,
                           font=dict(size=11, color=PHASE_STATUS_COLOURS.get(s, "#5A6570")))
    fig.update_xaxes(visible=False, range=[-0.6, max(n - 0.4, 0.6)])
    fig.update_yaxes(visible=False, range=[-1.1, 0.9], rangemode="normal")
    fig = styled(fig, title="Workflow phases", x_title="", y_title="", height=220)
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=5))
    return fig


def report_errors_figure(report: Mapping[str, Any] | Any) -> go.Figure:
    """MAPE, WAPE and bias of the original forecast against the final plan."""
    report = as_dict(report) or {}
    metrics = ["mape", "wape", "bias"]
    fig = go.Figure()
    for key, colour, label in (("original", ORIGINAL, "original forecast"), ("final", PRIMARY, "final plan")):
        values = [(report.get(m) or {}).get(key) for m in metrics]
        fig.add_trace(go.Bar(x=[m.upper() for m in metrics], y=[None if v is None else v * 100 for v in values],
                             name=label, marker_color=colour,
                             text=["n/a" if v is None else f"{v * 100:+.1f}%" if m == "bias" else f"{v * 100:.1f}%"
                                   for m, v in zip(metrics, values)], textposition="outside",
                             hovertemplate="%{x}: %{y:.1f}%<extra>" + label + "</extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(rangemode="normal")
    return styled(fig, title="Forecast error: original forecast vs final plan", x_title="Metric",
                  y_title="Error (%)", height=330)
