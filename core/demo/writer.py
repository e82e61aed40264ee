"""Demo data as CSV files in the docs/planning-rules.md §3 formats, and as in-memory bytes for the service."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.demo.generator import DemoData, generate_demo

STORE_COLUMNS = [
    "store_id", "avg_weekly_sales_12mo", "store_size_sqft", "median_income",
    "location_tier", "fashion_tier", "store_format", "region",
]


def history_csv(demo: DemoData) -> bytes:
    frame = demo.history.assign(date=demo.history["date"].dt.strftime("%Y-%m-%d"))
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.2f").encode("utf-8")


def stores_csv(demo: DemoData) -> bytes:
    return demo.stores[STORE_COLUMNS].to_csv(index=False, lineterminator="\n").encode("utf-8")


def actuals_csv(demo: DemoData, scenario: str, week: int) -> bytes:
    """One Monday..Sunday season week of one scenario, all categories."""
    frame = demo.actuals[scenario]
    rows = frame.loc[frame["week"] == week, ["date", "store_id", "category", "quantity_sold"]]
    rows = rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d"))
    return rows.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_demo_data(out_dir: Path, *, seed: int = 2026, n_stores: int = 50) -> list[Path]:
    """Write history.csv, stores.csv and actuals/<scenario>/week_NN.csv; return the paths written."""
    out_dir = Path(out_dir)
    demo = generate_demo(seed=seed, n_stores=n_stores)
    written: list[Path] = []

    def put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    put(out_dir / "history.csv", history_csv(demo))
    put(out_dir / "stores.csv", stores_csv(demo))
    for scenario in demo.actuals:
        for week in range(1, demo.horizon_weeks + 1):
            put(out_dir / "actuals" / scenario / f"week_{week:02d}.csv", actuals_csv(demo, scenario, week))
    return written


@lru_cache(maxsize=1)
def demo_dataset() -> DemoData:
    """The built-in demo data, generated once per process."""
    return generate_demo()


@lru_cache(maxsize=1)
def demo_csv_bytes() -> tuple[bytes, bytes]:
    """(history.csv, stores.csv) of the built-in demo data, for importing it like an upload."""
    demo = demo_dataset()
    return history_csv(demo), stores_csv(demo)


def demo_actuals_bytes(scenario: str, week: int) -> bytes:
    """One week of the built-in demo actuals (scenario 'normal', 'high' or 'low'), as CSV bytes."""
    demo = demo_dataset()
    if scenario not in demo.actuals:
        raise ValueError(f"unknown scenario {scenario!r}; allowed {', '.join(demo.actuals)}")
    if not 1 <= week <= demo.horizon_weeks:
        raise ValueError(f"week = {week} is out of range; allowed 1..{demo.horizon_weeks}")
    return actuals_csv(demo, scenario, week)
