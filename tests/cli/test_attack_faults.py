"""Faults found by the attack round on the command line, each pinned by a test that failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path

from core.cli.main import main
from tests.orchestrator.conftest import actuals_csv, history_csv, params, stores_csv
from tests.orchestrator.helpers import new_service


def zero_forecast_closed_season(db_url: str) -> str:
    """A category that never sold (forecast 0), the order modified to 10, every week in: closed."""
    svc = new_service(db_url)
    lines = history_csv().decode().splitlines()
    rows = [lines[0]] + [line if ",Shirts," in line else ",".join(line.split(",")[:3] + ["0", "0"])
                         for line in lines[1:]]
    ds = svc.import_dataset(history=("\n".join(rows) + "\n").encode(), history_name="h.csv", stores=stores_csv(),
                            stores_name="s.csv")
    wf = svc.start_workflow(params(), dataset_id=ds.id).workflow_id
    svc.decide(wf, accept=False, value=10, reason="a few for the window")
    for week in range(1, 7):
        doc = svc.upload_actuals(wf, actuals_csv(week, 0), f"w{week}.csv")
        if doc.state == "awaiting_markdown_approval":
            svc.decide(wf, accept=True)
    assert svc.status(wf).state == "closed"
    svc.close()
    return wf


def test_a_closed_season_whose_forecast_was_zero_has_a_readable_report(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    wf = zero_forecast_closed_season(db)
    code = main(["report", wf, "--db", db, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    report = json.loads(out.out)
    assert report["overstock_units"] == 10 and report["tuning"]
    assert all("not checked by replaying the season" in t["reason"] for t in report["tuning"])
