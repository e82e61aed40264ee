from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.domain.errors import PlannerError
from core.cli.forecast import forecast_document

ROOT = Path(__file__).resolve().parents[1]


def write_history(path: Path) -> None:
    """Daily rows for two stores and two categories, 2022-01-01 .. 2024-12-31 (edge weeks partial)."""
    rng = np.random.default_rng(11)
    lines = ["date,store_id,category,quantity_sold,revenue"]
    day = date(2022, 1, 1)
    while day <= date(2024, 12, 31):
        season = 1.0 + 0.4 * np.sin(2 * np.pi * day.timetuple().tm_yday / 365.25)
        for store in ("S001", "S002"):
            for category, base in (("Dresses", 40), ("Shirts", 20)):
                qty = int(rng.poisson(base * season))
                lines.append(f"{day.isoformat()},{store},{category},{qty},{qty * 30.0:.2f}")
        day += timedelta(days=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hist") / "history.csv"
    write_history(path)
    return path


def check_category(doc: dict, weeks: int, first: date) -> None:
    assert set(doc) == {"total", "members", "weights", "backtest", "weekly"}
    assert set(doc["members"]) == {"mstl", "seasonal_avg"}
    # Each member's weight, and the held-out error of each member and of their weighted mean.
    assert doc["weights"] == {"mstl": 0.5, "seasonal_avg": 0.5}
    assert set(doc["backtest"]) == {"ensemble", "mstl", "seasonal_avg"}
    for figures in doc["backtest"].values():
        assert set(figures) == {"wape", "mape", "bias", "weeks", "origin"}
        assert 0 <= figures["wape"] < 0.5 and figures["weeks"] == min(weeks, 12)
    assert len(doc["weekly"]) == weeks
    for k, row in enumerate(doc["weekly"]):
        assert set(row) == {"week", "start", "plan", "lo", "hi"}
        assert row["week"] == k + 1
        assert row["start"] == (first + timedelta(weeks=k)).isoformat()
        assert row["lo"] <= row["plan"] <= row["hi"]
    assert doc["total"] == pytest.approx(sum(r["plan"] for r in doc["weekly"]), abs=1.0)


def test_document_for_two_categories_and_all(history_csv: Path) -> None:
    doc = forecast_document(history_csv, ["Dresses", "Shirts"], date(2025, 2, 17), 12)
    assert list(doc) == ["Dresses", "Shirts"]
    for category in doc.values():
        check_category(category, 12, date(2025, 2, 17))
    # Dresses sell about twice as many units as Shirts in the generated history.
    assert 1.6 < doc["Dresses"]["total"] / doc["Shirts"]["total"] < 2.4
    everything = forecast_document(history_csv, ["all"], date(2025, 2, 17), 4)
    assert sorted(everything) == ["Dresses", "Shirts"]
    check_category(everything["Shirts"], 4, date(2025, 2, 17))


def test_unknown_category_and_bad_weeks_are_rejected(history_csv: Path) -> None:
    with pytest.raises(PlannerError) as err:
        forecast_document(history_csv, ["Hats"], date(2025, 2, 17), 12)
    assert err.value.messages == ["--category 'Hats' is not in history.csv: allowed Dresses, Shirts or all"]
    with pytest.raises(PlannerError, match="--weeks = 0 is out of range: allowed 1..52"):
        forecast_document(history_csv, ["Dresses"], date(2025, 2, 17), 0)


@pytest.mark.slow
def test_cli_prints_the_same_document(history_csv: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "core", "forecast", "--history", str(history_csv), "--category", "Dresses",
         "--category", "Shirts", "--start", "2025-02-17", "--weeks", "12", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == forecast_document(history_csv, ["Dresses", "Shirts"], date(2025, 2, 17), 12)


@pytest.mark.slow
def test_cli_tells_the_planner_on_stderr_and_keeps_stdout_one_json_document(history_csv: Path) -> None:
    import os

    from core.domain.forecast import category_weekly_series
    from core.domain.ingest import parse_history

    series = category_weekly_series(parse_history(history_csv.read_bytes(), history_csv.name).frame, "Dresses")
    last_monday = series.values.index.max().date()
    saturday = last_monday + timedelta(days=12)  # the Saturday of the week after next
    proc = subprocess.run([sys.executable, "-m", "core", "forecast", "--history", str(history_csv), "--category",
                           "Dresses", "--start", saturday.isoformat(), "--weeks", "4", "--json"],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    monday = saturday - timedelta(days=5)
    assert doc["Dresses"]["weekly"][0]["start"] == monday.isoformat()
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note: ")]
    assert any(saturday.isoformat() in n and monday.isoformat() in n for n in notes), proc.stderr
    assert all(n.startswith("note: Dresses: ") for n in notes), notes


def test_fiscal_labels_beside_each_week(history_csv: Path) -> None:
    doc = forecast_document(history_csv, ["Dresses"], date(2025, 2, 3), 3, fiscal="nrf-4-5-4")
    # Monday 3 Feb 2025 .. Sunday 9 Feb: six days in NRF fiscal 2025's first week (Sunday 2 Feb ..).
    assert [(w["start"], w["fiscal"]) for w in doc["Dresses"]["weekly"]] == [
        ("2025-02-03", "FY2025 Q1 Feb W1"), ("2025-02-10", "FY2025 Q1 Feb W2"), ("2025-02-17", "FY2025 Q1 Feb W3")]
    with pytest.raises(PlannerError, match="--fiscal = '445' is not a fiscal calendar: allowed nrf-4-5-4"):
        forecast_document(history_csv, ["Dresses"], date(2025, 2, 3), 3, fiscal="445")
