"""The Walmart series through `python -m core forecast --week-start saturday` score what the engine
scores on the internal benchmark (core/bench/walmart.py): same figures, same worst season."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.bench.walmart import HORIZON, ORIGIN_STEP, ORIGINS, load_series, run_walmart_benchmark
from core.cli.forecast import forecast_document

ROOT = Path(__file__).resolve().parents[1]
PARTS = 10  # a chain total is written as 10 rows: one row may hold at most 10 million units


def _history_csv(series: dict, path: Path) -> None:
    """Each benchmark series as a category, whole dollars split over PARTS rows per Saturday week."""
    lines = ["date,store_id,category,quantity_sold"]
    for name, values in series.items():
        for day, value in values.items():
            q, r = divmod(int(round(value)), PARTS)
            lines += [f"{day.date()},P{k},{name},{q + (k < r)}" for k in range(PARTS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_walmart_on_its_saturday_calendar_scores_the_benchmark(walmart_dir, tmp_path) -> None:
    series = load_series(walmart_dir)
    path = tmp_path / "walmart_history.csv"
    _history_csv(series, path)
    index = next(iter(series.values())).index
    seasons = []  # (series, origin, abs error, actual, total error)
    for j in range(ORIGINS):
        end = len(index) - ORIGIN_STEP * j
        start = index[end - HORIZON].date()  # a Saturday
        doc = forecast_document(path, ["all"], start, HORIZON, notes=[], week_start=5)
        for name, values in series.items():
            assert doc[name]["weekly"][0]["start"] == start.isoformat()
            actual = values.to_numpy(dtype=float)[end - HORIZON:end]
            plan = np.array([w["plan"] for w in doc[name]["weekly"]])
            seasons.append((name, j, np.abs(plan - actual).sum(), actual.sum(), plan.sum() - actual.sum()))
    depts = [s for s in seasons if s[0] != "chain total"]
    actual_sum = sum(s[3] for s in depts)
    weekly = sum(s[2] for s in depts) / actual_sum
    total = sum(abs(s[4]) for s in depts) / actual_sum
    worst = max(depts, key=lambda s: abs(s[4]) / s[3])

    bench = run_walmart_benchmark(walmart_dir)
    # Whole-dollar input moves the figures by less than a millionth; the plans are rounded to 0.1.
    assert weekly == pytest.approx(bench["walmart_weekly_wape"], abs=2e-6)
    assert total == pytest.approx(bench["walmart_total_wape"], abs=2e-6)
    # The damped-trend AutoETS inside the MSTL member chooses its model by AIC: on the worst season the
    # whole-dollar rounding moves that choice's fit a little (13.00% here, 13.03% in the benchmark).
    assert abs(worst[4]) / worst[3] == pytest.approx(bench["worst_total_error"], abs=5e-4)
    assert len(seasons) == bench["n_series"] == 147


@pytest.mark.slow
def test_cli_week_start_saturday_prints_the_same_document(walmart_dir, tmp_path) -> None:
    series = {k: v for k, v in load_series(walmart_dir).items() if k in ("dept 92", "chain total")}
    path = tmp_path / "walmart_history.csv"
    _history_csv(series, path)
    start = next(iter(series.values())).index[-HORIZON].date()
    proc = subprocess.run([sys.executable, "-m", "core", "forecast", "--history", str(path), "--category", "all",
                           "--start", start.isoformat(), "--weeks", str(HORIZON), "--week-start", "saturday",
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == forecast_document(path, ["all"], start, HORIZON, week_start=5)
    detected: list[str] = []
    assert forecast_document(path, ["all"], start, HORIZON, notes=detected) == json.loads(proc.stdout)
    assert detected[0] == ("weeks run Saturday..Friday: every weekly row of walmart_history.csv is dated on a "
                           "Saturday (--week-start chooses another day)")
    bad = subprocess.run([sys.executable, "-m", "core", "forecast", "--history", str(path), "--category", "all",
                          "--start", start.isoformat(), "--weeks", "4", "--week-start", "caturday"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--week-start = 'caturday' is not a weekday: allowed monday" in bad.stderr
