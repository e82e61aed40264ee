"""Demand side of the planner: weekly series, season forecast, re-forecast, markdown response."""

from core.domain.forecast.ensemble import forecast_season
from core.domain.forecast.reforecast import apply_markdown_response, markdown_multiplier, reforecast
from core.domain.forecast.series import WeeklySeries, category_weekly_series, store_category_panel

__all__ = [
    "WeeklySeries",
    "apply_markdown_response",
    "category_weekly_series",
    "forecast_season",
    "markdown_multiplier",
    "reforecast",
    "store_category_panel",
]
