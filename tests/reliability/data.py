"""Small, self-contained datasets for the reliability tests (four stores, one category, weekly rows).

Kept tiny on purpose: fuzzing and concurrency tests create many databases and workflows, and the
forecast step's cost grows with the history length.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

SEASON_START = date(2025, 3, 3)  # a Monday
CATEGORY = "Dresses"
STORES = {  # store_id: (avg_weekly_sales, sqft, income, location, fashion, format, region, base weekly units)
    "S1": (900, 12000, 120000, "A", "Premium", "Mall", "Northeast", 60),
    "S2": (850, 11000, 115000, "A", "Premium", "Mall", "West", 55),
    "S3": (500, 8000, 80000, "B", "Mainstream", "Standalone", "Midwest", 35),
    "S4": (250, 5000, 50000, "C", "Value", "Outlet", "Southeast", 15),
}
STORES_HEADER = ("store_id,avg_weekly_sales_12mo,store_size_sqft,median_income,location_tier,fashion_tier,"
                 "store_format,region")


def history_csv(weeks: int = 60, last_monday: date = date(2025, 2, 24)) -> bytes:
    first = last_monday - timedelta(weeks=weeks - 1)
    lines = ["date,store_id,category,quantity_sold,revenue"]
    for i in range(weeks):
        day = first + timedelta(weeks=i)
        swing = 1.0 + 0.25 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365.25)
        for n, (sid, a) in enumerate(STORES.items()):
            q = round(a[7] * swing * (1.0 + 0.03 * ((i + n) % 3 - 1)))
            lines.append(f"{day.isoformat()},{sid},{CATEGORY},{q},{q * 40:.2f}")
    return ("\n".join(lines) + "\n").encode()


def stores_csv() -> bytes:
    lines = [STORES_HEADER] + [f"{sid},{a[0]},{a[1]},{a[2]},{a[3]},{a[4]},{a[5]},{a[6]}" for sid, a in STORES.items()]
    return ("\n".join(lines) + "\n").encode()


def actuals_csv(week: int, daily: int = 8, *, stores: list[str] | None = None) -> bytes:
    """Seven daily rows per store for season week `week`."""
    monday = SEASON_START + timedelta(weeks=week - 1)
    lines = ["date,store_id,quantity_sold"]
    for d in range(7):
        for sid in stores if stores is not None else list(STORES):
            lines.append(f"{(monday + timedelta(days=d)).isoformat()},{sid},{daily}")
    return ("\n".join(lines) + "\n").encode()


def params(**overrides: object) -> dict[str, object]:
    p: dict[str, object] = {"category": CATEGORY, "season_start": SEASON_START.isoformat(), "horizon_weeks": 6,
                            "markdown_week": 3, "n_clusters": 2}
    p.update(overrides)
    return p
