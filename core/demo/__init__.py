"""Deterministic demo data generator (stores, daily history, weekly season actuals per scenario)."""

from core.demo.generator import CATEGORIES, SCENARIOS, SEASON_START, SHOCK_WEEK, DemoData, Scenario, generate_demo
from core.demo.writer import demo_actuals_bytes, demo_csv_bytes, demo_dataset, write_demo_data

__all__ = [
    "CATEGORIES",
    "DemoData",
    "SCENARIOS",
    "SEASON_START",
    "SHOCK_WEEK",
    "Scenario",
    "demo_actuals_bytes",
    "demo_csv_bytes",
    "demo_dataset",
    "generate_demo",
    "write_demo_data",
]
