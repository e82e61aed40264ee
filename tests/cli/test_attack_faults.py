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


def _compare_files(tmp_path: Path, **extra: object) -> dict[str, str]:
    (tmp_path / "h.csv").write_bytes(history_csv())
    (tmp_path / "s.csv").write_bytes(stores_csv())
    base = {"category": "Dresses", "season_start": "2025-03-03", "horizon_weeks": 6, "n_clusters": 2}
    (tmp_path / "a.json").write_text(json.dumps(base))
    (tmp_path / "b.json").write_text(json.dumps({**base, "name": "b", **extra}))
    return {k: str(tmp_path / k) for k in ("h.csv", "s.csv", "a.json", "b.json")}


def _compare(f: dict[str, str], *more: str) -> list[str]:
    return ["compare", "--history", f["h.csv"], "--stores", f["s.csv"], "--params", f["a.json"], "--params",
            f["b.json"], "--monte-carlo", "3", *more]


def test_compare_bounds_order_qty_as_the_workflow_does(tmp_path: Path, capsys) -> None:
    for qty in (1e19, 1e12):
        f = _compare_files(tmp_path, order_qty=qty)
        assert main(_compare(f)) == 2
        assert "must be a whole number of units in 1..1,000,000,000" in capsys.readouterr().err


def test_compare_refuses_a_negative_seed_and_deeply_nested_json(tmp_path: Path, capsys) -> None:
    f = _compare_files(tmp_path)
    assert main(_compare(f, "--seed", "-1")) == 2
    assert "--seed -1: allowed 0..4294967295" in capsys.readouterr().err
    Path(f["b.json"]).write_text("[" * 100_000 + "]" * 100_000)
    assert main(_compare(f)) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_compare_refuses_oversize_files_from_their_size(tmp_path: Path, capsys, monkeypatch) -> None:
    import resource

    monkeypatch.setenv("SEASON_PLANNER_MAX_HISTORY_MB", "1024")  # a history file's limit (default 64 GB)

    f = _compare_files(tmp_path)
    with open(f["h.csv"], "r+b") as fh:
        fh.truncate(3 * 1024**3)  # sparse: 3 GB by size, nothing on disk
    with open(f["b.json"], "r+b") as fh:
        fh.truncate(3 * 1024**3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(_compare(f)) == 2
    err = capsys.readouterr().err
    assert "h.csv: the file is 3,221,225,472 bytes" in err and "b.json: the file is 3,221,225,472 bytes" in err
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KB: nothing was read


def test_weekly_rows_counted_in_another_week_start_are_noted(tmp_path: Path, capsys) -> None:
    from datetime import date, timedelta

    lines = history_csv().decode().splitlines()
    sundays = [lines[0]] + [f"{date.fromisoformat(x.split(',')[0]) + timedelta(days=6)},{x.split(',', 1)[1]}"
                            for x in lines[1:]]
    (tmp_path / "sun.csv").write_text("\n".join(sundays) + "\n")
    code = main(["forecast", "--history", str(tmp_path / "sun.csv"), "--category", "Dresses", "--start",
                 "2025-03-03", "--weeks", "4", "--week-start", "monday", "--json"])
    err = capsys.readouterr().err
    assert code == 0
    assert "note: sun.csv: weekly rows are dated on Sunday, not Monday; each row was counted in the " \
           "Monday..Sunday week that contains its date" in err


def test_decide_no_wait_then_actuals_no_wait_stores_the_week(tmp_path: Path, capsys, monkeypatch) -> None:
    """Attack round: `decide --no-wait` then `actuals --no-wait` was refused "season has not started"."""
    monkeypatch.delenv("SEASON_PLANNER_BROKER_URL", raising=False)
    db = f"sqlite:///{tmp_path / 'p.db'}"
    (tmp_path / "h.csv").write_bytes(history_csv())
    (tmp_path / "s.csv").write_bytes(stores_csv())
    (tmp_path / "p.json").write_text(json.dumps(params()))
    (tmp_path / "w1.csv").write_bytes(actuals_csv(1, 5))
    assert main(["plan", "--db", db, "--history", str(tmp_path / "h.csv"), "--stores", str(tmp_path / "s.csv"),
                 "--params", str(tmp_path / "p.json"), "--json"]) == 0
    wf = json.loads(capsys.readouterr().out)["workflow_id"]
    assert main(["decide", wf, "--db", db, "--accept", "--no-wait", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "allocating"
    code = main(["actuals", wf, str(tmp_path / "w1.csv"), "--db", db, "--no-wait", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    svc = new_service(db)
    assert [u["week"] for u in svc.uploads(wf)] == [1]
    assert svc.status(wf).running_step == "week"  # queued; a read runs nothing
    svc.resume_all()  # the engine's sweep (the dashboard, a worker, the next command) runs it
    assert svc.status(wf).weeks_done == 1
    svc.close()


def test_plan_refused_for_an_unknown_store_creates_no_database(tmp_path: Path, capsys) -> None:
    db = tmp_path / "new.db"
    (tmp_path / "h.csv").write_bytes(history_csv())
    (tmp_path / "s.csv").write_bytes(b"store_id\nS1\nS2\n")  # the history has S1..S6
    (tmp_path / "p.json").write_text(json.dumps(params()))
    code = main(["plan", "--db", str(db), "--history", str(tmp_path / "h.csv"), "--stores", str(tmp_path / "s.csv"),
                 "--params", str(tmp_path / "p.json")])
    assert code == 2 and "stores not in s.csv: S3, S4, S5, S6" in capsys.readouterr().err
    assert not db.exists()


def test_compare_replays_a_saturday_week_data_set_on_its_own_weeks(tmp_path: Path, capsys) -> None:
    """Attack round: every replay date was moved to a Monday, so Saturday-week data sets were refused."""
    from datetime import date, timedelta

    f = _compare_files(tmp_path)
    lines = history_csv().decode().splitlines()
    saturdays = [lines[0]] + [f"{date.fromisoformat(x.split(',')[0]) + timedelta(days=5)},{x.split(',', 1)[1]}"
                              for x in lines[1:]]
    Path(f["h.csv"]).write_text("\n".join(saturdays) + "\n")
    argv = ["compare", "--history", f["h.csv"], "--stores", f["s.csv"], "--params", f["a.json"], "--params",
            f["b.json"], "--replay", "2024-03-05", "--json"]
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    doc = json.loads(out.out)
    assert doc["demand"]["seasons"][0]["start"] == "2024-03-02"  # the Saturday of 5 March's week
    assert "is not a Saturday, the first day of the history's weeks: the season starts on Saturday 2024-03-02" \
        in out.err
