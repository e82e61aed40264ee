"""`python -m core compare` in-process (core.cli.main.main): the JSON contract, exit 2 with reasons, storage."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.cli.main import main
from core.cli.compare import DEFAULT_PATHS
from core.domain.simulation import DEFAULT_PATHS as DOMAIN_DEFAULT_PATHS
from core.domain.simulation import METRICS
from tests.orchestrator.conftest import SEASON_START, history_csv, params, stores_csv
from tests.orchestrator.helpers import new_service

SET_KEYS = {"name", "parameters", "order", "metrics", "p10", "p90"}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {"history": tmp_path / "history.csv", "stores": tmp_path / "stores.csv"}
    out["history"].write_bytes(history_csv())
    out["stores"].write_bytes(stores_csv())
    base = {"category": "Dresses", "season_start": SEASON_START.isoformat(), "horizon_weeks": 6, "markdown_week": 3,
            "n_clusters": 2}
    for name, extra in {"a": {}, "b": {"safety_stock": 0.05, "unit_cost": 18}, "c": {"dc_holdback": 0.2}}.items():
        (tmp_path / f"{name}.json").write_text(json.dumps({**base, **extra}))
    (tmp_path / "bad.json").write_text(json.dumps({**base, "safety_stock": 1.5, "markdown_depth": -0.1}))
    (tmp_path / "bad2.json").write_text(json.dumps({**base, "replenishment": "daily", "order_qty": 0}))
    (tmp_path / "broken.json").write_text("{not json")
    return {k: str(v) for k, v in out.items()} | {"dir": str(tmp_path)}


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_monte_carlo_json_contract(files, capsys) -> None:
    d = files["dir"]
    code, out, err = run(["compare", "--history", files["history"], "--stores", files["stores"], "--params",
                          f"{d}/a.json", "--params", f"{d}/b.json", "--monte-carlo", "20", "--seed", "4", "--json"],
                         capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert {"sets", "demand", "seed"} <= set(doc) and doc["seed"] == 4
    assert [s["name"] for s in doc["sets"]] == ["a", "b"]
    for s in doc["sets"]:
        assert SET_KEYS <= set(s)
        assert set(s["metrics"]) == set(s["p10"]) == set(s["p90"]) == set(METRICS)
        assert isinstance(s["order"], int) and s["parameters"]["category"] == "Dresses"
    a, b = doc["sets"]
    assert a["metrics"]["margin"] is None and b["metrics"]["margin"] is not None  # only b has a unit cost
    assert b["parameters"]["unit_cost"] == 18
    assert doc["demand"]["source"] == "monte-carlo" and doc["demand"]["paths"] == 20
    assert DEFAULT_PATHS == DOMAIN_DEFAULT_PATHS == 200


def test_replay_text_output_and_storage(files, capsys, tmp_path: Path) -> None:
    d = files["dir"]
    db = tmp_path / "lab.db"
    code, out, err = run(["compare", "--history", files["history"], "--stores", files["stores"], "--params",
                          f"{d}/a.json", "--params", f"{d}/c.json", "--replay", "2024-03-06", "--db", str(db)], capsys)
    assert code == 0, err
    assert "a" in out and "lost_sales" in out and "best on that metric" in out
    assert ("--replay 2024-03-06 is not a Monday, the first day of the history's weeks: "
            "the season starts on Monday 2024-03-04") in err
    with create_engine(f"sqlite:///{db}").connect() as conn:
        rows = conn.execute(text("SELECT source, label, inputs FROM comparisons")).all()
    assert len(rows) == 1 and rows[0][0] == "replay" and rows[0][1] == "a, c"
    assert json.loads(rows[0][2])["replay"] == ["2024-03-04"]


def test_invalid_parameter_files_exit_2_naming_file_and_field(files, capsys, tmp_path: Path) -> None:
    d = files["dir"]
    db = tmp_path / "lab.db"
    code, out, err = run(["compare", "--history", files["history"], "--stores", files["stores"], "--params",
                          f"{d}/a.json", "--params", f"{d}/bad.json", "--params", f"{d}/bad2.json", "--params",
                          f"{d}/broken.json",
                          "--monte-carlo", "5", "--db", str(db), "--json"], capsys)
    assert code == 2 and out == ""
    assert f"{d}/bad.json: safety_stock = 1.5 is out of range: allowed [0, 1]" in err
    assert f"{d}/bad2.json: replenishment = 'daily' is not allowed" in err
    assert f"{d}/bad2.json: order_qty = 0 must be a whole number of units in 1..1,000,000,000" in err
    assert f"{d}/bad.json: markdown_depth = -0.1 is out of range" in err
    assert f"{d}/broken.json: not valid JSON" in err
    assert not db.exists()  # nothing stored


def test_replay_without_enough_history_exits_2(files, capsys) -> None:
    d = files["dir"]
    code, out, err = run(["compare", "--history", files["history"], "--stores", files["stores"], "--params",
                          f"{d}/a.json", "--params", f"{d}/b.json", "--replay", "2023-03-13", "--json"], capsys)
    assert code == 2 and out == ""
    assert ("--replay 2023-03-13: only 7 complete weeks of 'Dresses' history before it; "
            "the forecast needs at least 8 (history starts 2023-01-23)") in err


def test_usage_errors_exit_2(files, capsys) -> None:
    d = files["dir"]
    code, _, err = run(["compare", "--history", files["history"], "--stores", files["stores"], "--params",
                        f"{d}/a.json", "--params", f"{d}/b.json"], capsys)
    assert code == 2 and "exactly one of --replay DATE or --monte-carlo N" in err
    code, _, err = run(["compare", "wf-x", "--alt", f"{d}/b.json"], capsys)
    assert code == 2 and "compare WF needs --db" in err


def test_workflow_form_compares_its_own_parameters(db_url: str, files, capsys, tmp_path: Path) -> None:
    svc = new_service(db_url)
    try:
        ds = svc.import_dataset(history=history_csv(), history_name="history.csv", stores=stores_csv(),
                                stores_name="stores.csv")
        doc = svc.start_workflow(params(), dataset_id=ds.id)
        wf = doc.workflow_id
        proposed = doc.order["proposed"] if isinstance(doc.order, dict) else doc.order.proposed
        total = doc.forecast["total"]
    finally:
        svc.close()
    alt = tmp_path / "lean.json"
    alt.write_text(json.dumps({"safety_stock": 0.05, "name": "lean"}))
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"category": "Shirts"}))
    code, out, err = run(["compare", wf, "--db", db_url, "--alt", str(bad), "--json"], capsys)
    assert code == 2 and f"{bad}: category = Shirts differs from the workflow's Dresses" in err
    code, out, err = run(["compare", wf, "--db", db_url, "--alt", str(alt), "--monte-carlo", "10", "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert [s["name"] for s in result["sets"]] == ["current", "lean"]
    assert result["sets"][0]["order"] == proposed  # no order decided yet: the proposal
    # The workflow orders by expected profit; the file states a safety stock, so its set orders by it.
    assert result["sets"][1]["order"] == math.ceil(round(total * 1.05, 6))
    assert result["sets"][1]["parameters"]["order_policy"] == "safety_stock"
    assert result["sets"][1]["parameters"]["safety_stock"] == 0.05
    assert result["sets"][1]["parameters"]["markdown_week"] == 3  # the rest is the workflow's
    svc = new_service(db_url)
    try:
        from core.db.comparisons import list_comparisons

        stored = list_comparisons(svc.engine, workflow_id=wf)
    finally:
        svc.close()
    assert len(stored) == 1 and stored[0].id == result["comparison_id"] and stored[0].sets == ["current", "lean"]


def test_workflow_form_on_a_mistyped_database_creates_nothing(files, capsys, tmp_path: Path) -> None:
    alt = tmp_path / "lean.json"
    alt.write_text(json.dumps({"safety_stock": 0.05}))
    missing = tmp_path / "nope.db"
    code, out, err = run(["compare", "wf-abc123", "--db", str(missing), "--alt", str(alt), "--json"], capsys)
    assert code == 2 and out == "" and "does not exist" in err
    assert not missing.exists()
