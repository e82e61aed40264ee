"""Drawing a figure in a page: the app's own Plotly template (not Streamlit's), full width."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ui.theme import CHART_CONFIG


def show(fig: go.Figure, *, key: str | None = None, static: bool = False) -> Any:
    config = {**CHART_CONFIG, "displayModeBar": False} if static else CHART_CONFIG
    return st.plotly_chart(fig, theme=None, width="stretch", config=config, key=key)
