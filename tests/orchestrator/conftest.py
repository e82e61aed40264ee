"""Small hand-made datasets for orchestrator tests: six stores, two categories, two years weekly."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pytest

SEASON_START = date(2025, 3, 3)  # a Monday
STORES = {  # store_id: (avg_weekly_sales, sqft, income, location, fashion, format, region, base weekly units)
    "S1": (900, 12000, 120000, "A", "Premium", "Mall", "Northeast", 60),
    "S2": (850, 11000, 115000, "A", "Premium", "Mall", "West", 55),
    "S3": (500, 8000, 80000, "B", "Mainstream", "Standalone", "Midwest", 35),
    "S4": (480, 7500, 78000, "B", "Mainstream", "ShoppingCenter", "Southeast", 30),
    "S5": (250, 5000, 50000, "C", "Value", "Outlet", "Midwest", 15),
    "S6": (230, 4800, 48000, "C", "Value", "Outlet", "Southeast", 12),
}


def history_csv(weeks: int = 110, last_monday: date = date(2025, 2, 24)) -> bytes:
    """Weekly rows (dated Mondays) with a yearly swing and a fixed wobble, ending before the season."""
    first = last_monday - timedelta(weeks=weeks - 1)
    lines = ["date,store_id,category,quantity_sold,revenue"]
    for i in range(weeks):
        day = first + timedelta(weeks=i)
        season = 1.0 + 0.3 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365.25)
        for n, (sid, attrs) in enumerate(STORES.items()):
            base = attrs[7]
            wobble = 1.0 + 0.05 * (((i * 7 + n * 3) % 5) - 2) / 2
            q = round(base * season * wobble)
            lines.append(f"{day.isoformat()},{sid},Dresses,{q},{q * 50:.2f}")
            lines.append(f"{day.isoformat()},{sid},Shirts,{round(q * 0.6)},{round(q * 0.6) * 30:.2f}")
    return ("\n".join(lines) + "\n").encode()


def stores_csv() -> bytes:
    lines = [
        "store_id,avg_weekly_sales_12mo,store_size_sqft,median_income,location_tier,fashion_tier,store_format,region"
    ]
    for sid, a in STORES.items():
        lines.append(f"{sid},{a[0]},{a[1]},{a[2]},{a[3]},{a[4]},{a[5]},{a[6]}")
    return ("\n".join(lines) + "\n").encode()


def actuals_csv(week: int, daily: dict[str, int] | int, *, start: date = SEASON_START,
                stores: list[str] | None = None) -> bytes:
    """One week of daily rows; `daily` units per store per day (one number for every store)."""
    ids = stores if stores is not None else list(STORES)
    monday = start + timedelta(weeks=week - 1)
    lines = ["date,store_id,quantity_sold"]
    for d in range(7):
        day = monday + timedelta(days=d)
        for sid in ids:
            q = daily if isinstance(daily, int) else daily.get(sid, 0)
            lines.append(f"{day.isoformat()},{sid},{q}")
    return ("\n".join(lines) + "\n").encode()


def base_daily(scale: float = 1.0) -> dict[str, int]:
    """Per-store daily units close to the history's level around the season (scaled)."""
    return {sid: max(0, round(a[7] * 1.25 / 7 * scale)) for sid, a in STORES.items()}


def params(**overrides: object) -> dict[str, object]:
    p: dict[str, object] = {"category": "Dresses", "season_start": SEASON_START.isoformat(), "horizon_weeks": 6,
                            "markdown_week": 3, "n_clusters": 2}
    p.update(overrides)
    return p


@pytest.fixture
def small_files(tmp_path: Path) -> dict[str, Path]:
    h = tmp_path / "history.csv"
    s = tmp_path / "stores.csv"
    h.write_bytes(history_csv())
    s.write_bytes(stores_csv())
    return {"history": h, "stores": s}
