"""The development benchmark's perturbations, and a small run of it (skipped without the Walmart data)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from core.bench.walmart import DEFAULT_DIR
from core.bench.walmart_perturbed import factors, run_dev_benchmark


def test_each_variant_is_the_documented_weekly_factor() -> None:
    index = pd.date_range("2010-01-30", periods=143, freq="7D")  # Walmart's Saturday weeks
    f = factors(index)
    assert set(f) == {"growth", "growth_year", "step_up", "step_down", "month_start", "growth_month_start"}
    assert f["growth"][52] == pytest.approx(1.30) and f["growth"][104] == pytest.approx(1.69)
    assert np.all(f["growth_year"][:84] == 1.0) and f["growth_year"][83 + 52] == pytest.approx(1.30)
    assert f["step_up"][99] == 1.0 and np.all(f["step_up"][100:] == 1.8)
    assert f["step_down"][103] == 1.0 and np.all(f["step_down"][104:] == 0.6)
    # Saturday 2010-01-30 .. Friday 02-05: the 1st..5th are five of its days; 02-06..02-12: 6th..10th are five too;
    # 02-13..02-19: none.
    assert f["month_start"][:3] == pytest.approx([1 + 0.3 * 5 / 7, 1 + 0.3 * 5 / 7, 1.0])
    assert f["growth_month_start"] == pytest.approx(f["growth"] * f["month_start"])


@pytest.fixture
def walmart_dir():
    if not (DEFAULT_DIR / "walmart_weekly_store_sales.csv").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Walmart reference data missing under CI: {DEFAULT_DIR}")
        pytest.skip(f"Walmart reference data not present at {DEFAULT_DIR}")
    return DEFAULT_DIR


def test_a_step_up_variant_is_scored_like_the_walmart_protocol(walmart_dir) -> None:
    r = run_dev_benchmark(walmart_dir, variants=["step_up"], origins=2)
    assert set(r["variants"]) == {"step_up"}
    assert r["n_series"] == 21 * 2
    # The forecast follows most of the step: well under the 80% jump a level-blind forecast would miss.
    assert 0 < r["dev_weekly_wape"] < 0.10 and abs(r["dev_total_bias"]) < 0.10
    assert r["variants"]["step_up"]["dev_weekly_wape"] == pytest.approx(r["dev_weekly_wape"])
