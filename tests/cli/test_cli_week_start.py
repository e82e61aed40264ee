"""plan --week-start and actuals --partial on the anchor's Saturday..Friday weeks, through the CLI."""

from __future__ import annotations

import json

import pandas as pd

from tests.cli.test_cli import run

PARAMS = {"category": "Women's Dresses", "season_start": "2025-03-01", "horizon_weeks": 12, "markdown_week": 6}


def test_plan_on_a_saturday_calendar_and_a_partial_week_then_the_full_week(anchor_dir, tmp_path):
    db = str(tmp_path / "p.db")
    params = tmp_path / "params.json"
    params.write_text(json.dumps(PARAMS))
    doc = json.loads(run("plan", "--db", db, "--history", str(anchor_dir / "historical_sales_2022_2024.csv"),
                         "--stores", str(anchor_dir / "store_attributes.csv"), "--params", str(params),
                         "--week-start", "saturday", "--json").stdout)
    wf = doc["workflow_id"]
    assert doc["parameters"]["week_start"] == "saturday" and doc["parameters"]["season_start"] == "2025-03-01"
    assert [w["start"] for w in doc["forecast"]["weekly"][:2]] == ["2025-03-01", "2025-03-08"]
    run("decide", wf, "--db", db, "--accept", "--json")

    week1 = anchor_dir / "scenarios" / "high_demand" / "actuals_week_01.csv"
    frame = pd.read_csv(week1)
    partial = tmp_path / "week_01_sat_sun.csv"
    frame[frame["date"].isin(["2025-03-01", "2025-03-02"])].to_csv(partial, index=False)
    refused = run("actuals", wf, str(partial), "--db", db, check=2)
    assert "no rows for Monday 2025-03-03, Tuesday 2025-03-04, Wednesday 2025-03-05, Thursday 2025-03-06, " \
           "Friday 2025-03-07" in refused.stderr
    doc = json.loads(run("actuals", wf, str(partial), "--db", db, "--partial", "--json").stdout)
    assert doc["weeks"][0]["actual"] == int(frame[frame["date"] <= "2025-03-02"]["quantity_sold"].sum())
    assert doc["weeks"][0]["plan"] < 0.5 * doc["forecast"]["weekly"][0]["original"]
    doc = json.loads(run("actuals", wf, str(week1), "--db", db, "--replace", "--json").stdout)
    assert doc["weeks"][0]["actual"] == int(frame["quantity_sold"].sum())
    assert abs(doc["weeks"][0]["plan"] - doc["forecast"]["weekly"][0]["original"]) < 0.01


def test_an_unknown_week_start_is_refused_naming_the_weekdays(anchor_dir, tmp_path):
    bad = run("plan", "--db", str(tmp_path / "p.db"), "--history", str(anchor_dir / "historical_sales_2022_2024.csv"),
              "--stores", str(anchor_dir / "store_attributes.csv"), "--text", "12 weeks from March 1st",
              "--week-start", "Caturday", check=2)
    assert "--week-start = 'Caturday' is not a weekday: allowed monday, tuesday" in bad.stderr
    assert not (tmp_path / "p.db").exists()  # refused before anything is stored
