"""The many-series forecast benchmark: loaders, a visible skip of absent data sets, the figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.bench.forecast_sets import HORIZON, load_sets, run_forecast_benchmark, subsample, table


def _write_anchor_like(root: Path, stores: int = 2, days: int = 3 * 364 + 7) -> None:
    """Daily units of two stores x two categories from a Saturday: partial edge weeks to drop."""
    rng = np.random.default_rng(5)
    dates = pd.date_range("2022-01-01", periods=days, freq="D")
    rows = []
    for s in range(stores):
        for cat, level in (("Dresses", 40.0), ("Shirts", 25.0)):
            season = 1 + 0.3 * np.sin(2 * np.pi * dates.dayofyear.to_numpy() / 365.25)
            qty = rng.poisson(level * season * (1 + 0.2 * s))
            rows.append(pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "store_id": f"S{s:03d}",
                                      "category": cat, "quantity_sold": qty, "revenue": qty * 10.0}))
    (root / "anchor").mkdir(parents=True)
    pd.concat(rows).to_csv(root / "anchor" / "historical_sales_2022_2024.csv", index=False)


def test_absent_data_sets_are_skipped_with_a_note(tmp_path: Path) -> None:
    notes: list[str] = []
    assert load_sets(tmp_path, ("pasta", "favorita"), None, notes) == {}
    assert len(notes) == 2 and all("skipped" in n and "absent" in n for n in notes)


def test_benchmark_reports_each_data_set_with_coverage(tmp_path: Path) -> None:
    _write_anchor_like(tmp_path)
    sets = load_sets(tmp_path, ("anchor",), None)
    series = sets["anchor"]
    # 2 stores x 2 categories + 2 chain totals, Monday weeks only, no partial edge week.
    assert len(series) == 6
    for s in series.values():
        assert (s.index.dayofweek == 0).all() and s.notna().all()
    result = run_forecast_benchmark(tmp_path, names=("anchor", "walmart_chain"), max_series=None, origins=3)
    assert any("walmart_chain: skipped" in n for n in result["notes"])
    figures = result["sets"]["anchor"]
    assert figures["seasons"] == 6 * 3 and figures["series"] == 6
    assert 0 < figures["weekly_wape"] < 0.3 and 0 < figures["season_wape"] < 0.3
    assert 0.0 <= figures["coverage_weekly"] <= 1.0 and 0.0 <= figures["coverage_season"] <= 1.0
    assert figures["ms_per_series"] > 0
    assert result["pooled"]["weekly_wape"] == figures["weekly_wape"]
    frame = result["frames"]["anchor"]
    assert frame["covered"].max() <= HORIZON
    assert "| anchor | 6 | 18 |" in table(result) and "skipped" in table(result)


def test_subsample_is_deterministic_and_spread_over_the_names() -> None:
    series = {f"s{i:02d}": pd.Series([float(i)]) for i in range(10)}
    picked = subsample(series, 5)
    assert list(picked) == ["s00", "s02", "s04", "s06", "s08"] and subsample(series, 5).keys() == picked.keys()
    assert subsample(series, None) is series
