"""`--map our=theirs,...` on plan, forecast and compare: a planner's own column names from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli.main import main
from tests.orchestrator.conftest import SEASON_START, params
from tests.orchestrator.test_own_data import ids_only_stores, their_history

MAP = "date=week_start,store_id=shop,category=dept,quantity_sold=qty"


@pytest.fixture
def theirs(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "h.csv").write_bytes(their_history())
    (tmp_path / "s.csv").write_bytes(ids_only_stores())
    (tmp_path / "p.json").write_text(json.dumps(params()))
    (tmp_path / "b.json").write_text(json.dumps({**params(), "dc_holdback": 0.2}))
    return {k: str(tmp_path / f) for k, f in {"h": "h.csv", "s": "s.csv", "p": "p.json", "b": "b.json"}.items()} | {
        "db": str(tmp_path / "planner.db")}


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_plan_with_map_and_a_stores_file_of_ids_only(theirs, capsys) -> None:
    code, out, err = run(["plan", "--db", theirs["db"], "--history", theirs["h"], "--stores", theirs["s"],
                          "--params", theirs["p"], "--map", MAP, "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["state"] == "awaiting_order_approval" and doc["forecast"]["total"] > 0


def test_plan_without_map_says_how_to_map(theirs, capsys) -> None:
    code, _, err = run(["plan", "--db", theirs["db"], "--history", theirs["h"], "--stores", theirs["s"],
                        "--params", theirs["p"]], capsys)
    assert code == 2 and "--map date=YOUR_COLUMN" in err
    assert not Path(theirs["db"]).exists()


def test_a_bad_map_is_refused_with_the_allowed_columns(theirs, capsys) -> None:
    code, _, err = run(["plan", "--db", theirs["db"], "--history", theirs["h"], "--stores", theirs["s"],
                        "--params", theirs["p"], "--map", "day=week_start"], capsys)
    assert code == 2 and "'day' is not one of our columns; allowed date, store_id" in err
    assert not Path(theirs["db"]).exists()


def test_forecast_with_map(theirs, capsys) -> None:
    code, out, err = run(["forecast", "--history", theirs["h"], "--category", "Dresses", "--start",
                          SEASON_START.isoformat(), "--weeks", "4", "--map", MAP, "--json"], capsys)
    assert code == 0, err
    assert len(json.loads(out)["Dresses"]["weekly"]) == 4


def test_compare_with_map(theirs, capsys) -> None:
    code, out, err = run(["compare", "--history", theirs["h"], "--stores", theirs["s"], "--params", theirs["p"],
                          "--params", theirs["b"], "--monte-carlo", "5", "--map", MAP, "--json"], capsys)
    assert code == 0, err
    assert len(json.loads(out)["sets"]) == 2
