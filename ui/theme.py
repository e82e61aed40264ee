"""One Plotly look for every chart: white template, readable fonts, units in axis titles."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

PRIMARY = "#2B5C8A"  # the app's primaryColor in .streamlit/config.toml
ACTUAL = "#D9822B"
ORIGINAL = "#7F8C99"
GOOD = "#2E8B57"
WARN = "#E0A800"
BAD = "#C0392B"
MUTED = "#B8C4CE"
BAND = "rgba(43, 92, 138, 0.15)"
# Distinct but calm colours for ensemble members and clusters.
SERIES = ["#2B5C8A", "#D9822B", "#2E8B57", "#8E44AD", "#C0392B", "#16A085", "#7F8C99", "#B7950B"]

TEMPLATE_NAME = "season_planner"


def _build_template() -> go.layout.Template:
    base = pio.templates["plotly_white"]
    template = go.layout.Template(base)
    template.layout.font = dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=13,
                                color="#262730")
    template.layout.colorway = SERIES
    # Title pinned to the top of the figure, the legend in its own row just above the plot area:
    # they never overlap, also when a narrow window wraps the legend onto two lines.
    template.layout.title = dict(font=dict(size=15), x=0, xanchor="left", xref="container", y=0.985,
                                 yanchor="top", yref="container", pad=dict(l=10))
    template.layout.margin = dict(l=10, r=10, t=86, b=10)
    template.layout.legend = dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0,
                                  font=dict(size=12))
    template.layout.hoverlabel = dict(font_size=12)
    template.layout.xaxis = dict(automargin=True, title_standoff=8, gridcolor="#EEF1F4")
    template.layout.yaxis = dict(automargin=True, title_standoff=8, gridcolor="#EEF1F4", rangemode="tozero")
    return template


pio.templates[TEMPLATE_NAME] = _build_template()


def styled(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 360) -> go.Figure:
    """Apply the shared look; every axis title carries its unit, e.g. 'Units sold per week'."""
    fig.update_layout(template=TEMPLATE_NAME, title=dict(text=title), height=height)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


# Plotly's mode bar sits top-right over the title on narrow screens; keep only what a planner uses.
CHART_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}
