"""The Walmart protocol end to end (about 5 s); skipped where the reference data is absent."""

from __future__ import annotations

import os

import pytest

from core.bench.walmart import DEFAULT_DIR, run_walmart_benchmark


@pytest.fixture
def walmart_dir():
    if not (DEFAULT_DIR / "walmart_weekly_store_sales.csv").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Walmart reference data missing under CI: {DEFAULT_DIR}")
        pytest.skip(f"Walmart reference data not present at {DEFAULT_DIR}")
    return DEFAULT_DIR


def test_walmart_protocol_meets_the_accuracy_targets(walmart_dir) -> None:
    result = run_walmart_benchmark(walmart_dir)
    assert result["n_series"] == 147  # 20 departments + chain total, 7 origins
    assert result["walmart_weekly_wape"] <= 0.0410
    assert result["walmart_total_wape"] <= 0.0210
    assert result["worst_total_error"] <= 0.166
    assert 0.70 <= result["interval_coverage_80"] <= 0.90
    assert abs(result["short_history_chain_total_error"]) < 0.03
