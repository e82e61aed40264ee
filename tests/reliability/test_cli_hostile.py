"""Hostile files through `python -m core` in a separate process: exit 2, reasons on stderr, no
traceback, and every table exactly as before. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import cli, data, figures
from tests.reliability.dbdump import dump
from tests.reliability.hostile import replace_cell

HISTORY = data.history_csv()
STORES = data.stores_csv()

HOSTILE_HISTORY = {
    "formula id": replace_cell(HISTORY, 5, "store_id", "=cmd|' /C calc'!A0"),
    "nan quantity": replace_cell(HISTORY, 9, "quantity_sold", "NaN"),
    "huge quantity": replace_cell(HISTORY, 9, "quantity_sold", "9" * 400),
    "day-first date": replace_cell(HISTORY, 2, "date", "03/04/2024"),
    "utf-16": HISTORY.decode().encode("utf-16"),
    "semicolons": HISTORY.replace(b",", b";"),
    "empty": b"",
    "random bytes": bytes(range(256)) * 4,
    "100k-char category": replace_cell(HISTORY, 1, "category", "c" * 100_000),
}


@pytest.mark.parametrize("name", list(HOSTILE_HISTORY))
def test_plan_with_a_hostile_history_exits_2_and_changes_nothing(db_url: str, tmp_path: Path, name: str) -> None:
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)  # migrated, with one dataset already in it: "unchanged" must cover real rows
    svc.import_dataset(history=HISTORY, history_name="h.csv", stores=STORES, stores_name="s.csv")
    svc.close()
    before = dump(db_url)
    h = cli.write(tmp_path / "history.csv", HOSTILE_HISTORY[name])
    s = cli.write(tmp_path / "stores.csv", STORES)
    p = cli.write(tmp_path / "params.json", json.dumps(data.params()).encode())
    result = cli.run(db_url, "plan", "--history", str(h), "--stores", str(s), "--params", str(p), "--json")
    figures.add("hostile inputs tried")
    figures.add("CLI processes run")
    cli.assert_clean_rejection(result)
    assert "history.csv" in result.stderr  # the message names the file
    assert dump(db_url) == before


HOSTILE_PARAMS: dict[str, Any] = {
    "nan holdback": '{"category": "Dresses", "season_start": "2025-03-03", "dc_holdback": NaN}',
    "infinite safety stock": '{"category": "Dresses", "season_start": "2025-03-03", "safety_stock": Infinity}',
    "huge horizon": '{"category": "Dresses", "season_start": "2025-03-03", "horizon_weeks": 1e300}',
    "formula category": '{"category": "=cmd|\' /C calc\'!A0", "season_start": "2025-03-03"}',
    "not an object": "[1, 2, 3]",
    "not json": "category: Dresses",
}


@pytest.mark.parametrize("name", list(HOSTILE_PARAMS))
def test_plan_with_hostile_parameters_exits_2(db_url: str, tmp_path: Path, name: str) -> None:
    h = cli.write(tmp_path / "history.csv", HISTORY)
    s = cli.write(tmp_path / "stores.csv", STORES)
    p = cli.write(tmp_path / "params.json", HOSTILE_PARAMS[name].encode())
    result = cli.run(db_url, "plan", "--history", str(h), "--stores", str(s), "--params", str(p), "--json")
    figures.add("hostile inputs tried")
    figures.add("CLI processes run")
    cli.assert_clean_rejection(result)
    # A dataset may have been imported (validated files); what must not exist is a workflow.
    assert dump(db_url).get("workflows", []) == []


def test_actuals_hostile_files_exit_2_and_change_nothing(db_url: str, tmp_path: Path) -> None:
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    ds = svc.import_dataset(history=HISTORY, history_name="h.csv", stores=STORES, stores_name="s.csv")
    wf = svc.decide(svc.start_workflow(data.params(), dataset_id=ds.id).workflow_id, accept=True).workflow_id
    svc.close()
    week1 = data.actuals_csv(1)
    files = {
        "formula store": replace_cell(week1, 3, "store_id", "@SUM(1+1)*cmd|' /C calc'!A0"),
        "inf quantity": replace_cell(week1, 3, "quantity_sold", "inf"),
        "two weeks": replace_cell(week1, 3, "date", "2025-03-12"),
        "outside season": data.actuals_csv(30),
        "latin-1": week1.decode().replace("S1", "Sé1").encode("latin-1"),
        "header only": b"date,store_id,quantity_sold\n",
    }
    before = dump(db_url)
    for name, content in files.items():
        f = cli.write(tmp_path / "week_01.csv", content)
        result = cli.run(db_url, "actuals", wf, str(f), "--json")
        figures.add("hostile inputs tried")
        figures.add("CLI processes run")
        cli.assert_clean_rejection(result)
        assert dump(db_url) == before, name
