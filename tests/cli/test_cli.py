"""The command line as separate processes: exit codes, stderr, JSON documents, crash + resume."""

from __future__ import annotations

import json
import math
import os
import signal
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STATUS_KEYS = {"workflow_id", "state", "version", "parameters", "forecast", "order", "clusters", "allocation",
               "dc_on_hand", "weeks", "replenishment", "markdown", "skipped", "pending", "events", "phases",
               "explanations", "store_weeks", "alerts", "last_error", "notes", "dataset_id", "created_at",
               "updated_at"}
REPORT_KEYS = {"mape", "wape", "bias", "stockout_store_weeks", "overstock_units", "sell_through", "markdown_units",
               "markdown_cost", "reforecast_weeks", "approvals", "runtime_s", "tuning", "revenue", "margin", "currency",
               "profit", "salvage_value"}
ANCHOR_TEXT = ("I'm planning a 12-week spring fashion season for Women's Dresses starting 2025-02-17. Send all "
               "inventory to stores at launch with no DC holdback. I don't want ongoing replenishment - just one "
               "initial allocation. Check for markdown opportunities at week 6 if we're below 60% sell-through.")


def run(*args: str, env: dict[str, str] | None = None, check: int | None = 0) -> subprocess.CompletedProcess:
    """The command line, in-process (core.cli.main.main with captured output); as a real process only
    when the test needs its own environment (e.g. a step hook that kills it)."""
    if env:
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **env}
        full_env.pop("SEASON_PLANNER_DEBUG", None)
        module = "tests.crashing_cli" if full_env.get("SEASON_PLANNER_TEST_CRASH_AT") else "core"
        proc = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=full_env, capture_output=True,
                              text=True, timeout=300)
    else:
        proc = run_in_process(*args)
    if check is not None:
        assert proc.returncode == check, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def run_in_process(*args: str) -> subprocess.CompletedProcess:
    from core.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    debug = os.environ.pop("SEASON_PLANNER_DEBUG", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse errors exit with 2
                code = int(exc.code or 0)
    finally:
        if debug is not None:
            os.environ["SEASON_PLANNER_DEBUG"] = debug
    return subprocess.CompletedProcess(["python", "-m", "core", *args], code, out.getvalue(), err.getvalue())


def js(proc: subprocess.CompletedProcess) -> object:
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run("demo-data", str(out))
    return out


@pytest.fixture
def params_file(tmp_path: Path):
    def make(**values: object) -> Path:
        p = {"category": "Women's Dresses", "season_start": "2026-02-23", "horizon_weeks": 12}
        p.update(values)
        path = tmp_path / "params.json"
        path.write_text(json.dumps(p))
        return path
    return make


def plan(db: Path, demo: Path, params: Path, env: dict[str, str] | None = None, check: int | None = 0):
    return run("plan", "--db", str(db), "--history", str(demo / "history.csv"), "--stores", str(demo / "stores.csv"),
               "--params", str(params), "--json", env=env, check=check)


def test_help_does_not_load_heavy_modules():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "core", "--help"], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert proc.returncode == 0 and "plan" in proc.stdout and "decide" in proc.stdout
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    for heavy in ("pandas", "numpy", "sqlalchemy", "statsforecast", "sklearn", "agents", "openai"):
        assert heavy not in loaded, heavy


@pytest.mark.slow
def test_demo_season_through_the_cli(tmp_path, demo, params_file):
    db = tmp_path / "p.db"
    doc = js(plan(db, demo, params_file(replenishment="bi-weekly", markdown_week=6)))
    assert STATUS_KEYS <= set(doc)
    wf = doc["workflow_id"]
    assert doc["state"] == "awaiting_order_approval" and doc["pending"]["kind"] == "order"
    assert {"total", "members", "weekly"} <= set(doc["forecast"])
    assert {"week", "start", "plan", "original", "lo", "hi"} <= set(doc["forecast"]["weekly"][0])
    assert set(doc["parameters"]) >= {"category", "season_start", "horizon_weeks", "replenishment", "dc_holdback",
                                      "safety_stock", "markdown_week", "markdown_target", "variance_threshold",
                                      "emergency_threshold", "markdown_elasticity", "markdown_step", "markdown_cap",
                                      "price_elasticity", "n_clusters"}

    doc = js(run("decide", wf, "--db", str(db), "--accept", "--by", "ann", "--json"))
    assert doc["state"] == "in_season"
    assert {"store_id", "cluster", "season_total", "initial", "dc_reserve", "shipped", "sold"} <= set(
        doc["allocation"][0]
    )
    assert {"name", "stores", "share", "units"} <= set(doc["clusters"][0])

    for week in range(1, 13):
        csv = demo / "actuals" / "normal" / f"week_{week:02d}.csv"
        doc = js(run("actuals", wf, str(csv), "--db", str(db), "--json"))
        assert doc["weeks"][-1]["week"] == week
        if doc["state"] == "awaiting_markdown_approval":
            assert doc["pending"]["kind"] == "markdown"
            doc = js(run("decide", wf, "--db", str(db), "--accept", "--json"))
    assert doc["state"] == "closed"
    assert {"week", "start", "actual", "plan", "variance", "reforecast", "emergency"} <= set(doc["weeks"][0])
    assert doc["replenishment"] and {"week", "store_id", "qty", "partial"} <= set(doc["replenishment"][0])
    # bi-weekly: shipments are planned after even weeks only
    assert {r["week"] % 2 for r in doc["replenishment"]} == {0}
    report = js(run("report", wf, "--db", str(db), "--json"))
    assert REPORT_KEYS <= set(report)
    listing = js(run("list", "--db", str(db), "--json"))
    assert [(r["workflow_id"], r["state"]) for r in listing] == [(wf, "closed")]
    assert {"category", "updated_at"} <= set(listing[0])
    text = run("status", wf, "--db", str(db)).stdout
    assert wf in text and "state: closed" in text


def test_rejections_exit_2_with_reasons_and_change_nothing(tmp_path, demo, params_file):
    db = tmp_path / "p.db"
    bad = params_file(dc_holdback=0.95, replenishment="none")
    proc = plan(db, demo, bad, check=2)
    assert "dc_holdback = 0.95 is out of range: allowed [0, 0.9]" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert js(run("list", "--db", str(db), "--json")) == []

    wf = js(plan(db, demo, params_file()))["workflow_id"]
    proc = run("decide", wf, "--db", str(db), "--modify", "100", check=2)
    assert "modify needs a reason" in proc.stderr
    proc = run("actuals", wf, str(demo / "actuals/normal/week_01.csv"), "--db", str(db), check=2)
    assert "the season has not started" in proc.stderr
    proc = run("close", wf, "--db", str(db), check=2)
    assert "the season has not started" in proc.stderr
    proc = run("report", wf, "--db", str(db), check=2)
    assert "once the season is closed" in proc.stderr
    proc = run("status", "wf-nope00", "--db", str(db), check=2)
    assert "workflow 'wf-nope00' not found" in proc.stderr
    before = run("status", wf, "--db", str(db), "--json").stdout

    run("decide", wf, "--db", str(db), "--accept", "--json")
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("date,store_id,quantity_sold\n2026-02-23,S001,-3\n2026-02-23,ZZZ,4\n")
    proc = run("actuals", wf, str(bad_csv), "--db", str(db), check=2)
    assert "row 2" in proc.stderr and "row 3" in proc.stderr and "ZZZ" in proc.stderr
    queued = js(run("actuals", wf, str(demo / "actuals/normal/week_02.csv"), "--db", str(db), "--json"))
    assert [q["week"] for q in queued["queued_weeks"]] == [2] and queued["weeks_done"] == 0  # waits for week 1
    proc = run("actuals", wf, str(tmp_path / "missing.csv"), "--db", str(db), check=2)
    assert "actuals file not found" in proc.stderr
    doc = js(run("actuals", wf, str(demo / "actuals/normal/week_01.csv"), "--db", str(db), "--json"))
    assert doc["weeks_done"] == 2 and doc["queued_weeks"] == []  # week 1, then the queued week 2
    proc = run("actuals", wf, str(demo / "actuals/normal/week_01.csv"), "--db", str(db), check=2)
    assert "already stored" in proc.stderr and "replace" in proc.stderr
    assert json.loads(before)["workflow_id"] == wf


def test_corrupt_database_file_is_a_clear_error(tmp_path):
    db = tmp_path / "broken.db"
    db.write_bytes(b"this is not sqlite at all" * 100)
    proc = run("list", "--db", str(db), check=2)
    assert "not a valid SQLite database" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("list", "--db", str(tmp_path), check=2)
    assert "is a directory" in proc.stderr


def test_bench_help_lists_the_runner_options():
    proc = run("bench", "--help", check=0)
    for option in ("--json", "--quick", "--skip-walmart", "--skip-scale", "--scale-stores"):
        assert option in proc.stdout, option


def _compare(a: dict, b: dict) -> None:
    for key in ("state", "forecast", "order", "clusters", "allocation", "dc_on_hand", "weeks", "replenishment",
                "markdown", "skipped", "pending", "alerts", "store_weeks"):
        if key == "pending" and a[key] and b[key]:
            assert {k: v for k, v in a[key].items() if k != "requested_at"} == \
                   {k: v for k, v in b[key].items() if k != "requested_at"}
            continue
        assert a[key] == b[key], key


@pytest.mark.slow
def test_killed_processes_resume_to_the_same_result(tmp_path, demo, params_file):
    params = params_file(markdown_week=None)
    ref_db, db = tmp_path / "ref.db", tmp_path / "crash.db"
    ref = js(plan(ref_db, demo, params))

    crashed = plan(db, demo, params, env={"SEASON_PLANNER_TEST_CRASH_AT": "forecast"}, check=None)
    assert crashed.returncode == -signal.SIGKILL
    [row] = js(run("list", "--db", str(db), "--json"))
    assert row["state"] == "forecasting"
    wf = row["workflow_id"]
    assert js(run("status", wf, "--db", str(db), "--json"))["running_step"] == "forecast"  # a read runs nothing
    doc = js(run("retry", wf, "--db", str(db), "--json"))  # re-runs the interrupted step
    _compare(doc, ref)
    events = js(run("status", wf, "--db", str(db), "--json"))["events"]
    assert events == doc["events"]

    run("decide", ref["workflow_id"], "--db", str(ref_db), "--accept", "--json")
    crashed = run("decide", wf, "--db", str(db), "--accept", "--json",
                  env={"SEASON_PLANNER_TEST_CRASH_AT": "allocate"}, check=None)
    assert crashed.returncode == -signal.SIGKILL
    week1 = str(demo / "actuals/normal/week_01.csv")
    week2 = str(demo / "actuals/normal/week_02.csv")
    ref_doc = js(run("actuals", ref["workflow_id"], week1, "--db", str(ref_db), "--json"))
    # the upload after the crash first resumes the allocation, then takes week 1
    doc = js(run("actuals", wf, week1, "--db", str(db), "--json"))
    _compare(doc, ref_doc)

    ref_doc = js(run("actuals", ref["workflow_id"], week2, "--db", str(ref_db), "--json"))
    crashed = run("actuals", wf, week2, "--db", str(db), "--json", env={"SEASON_PLANNER_TEST_CRASH_AT": "week:2"},
                  check=None)
    assert crashed.returncode == -signal.SIGKILL
    doc = js(run("retry", wf, "--db", str(db), "--json"))
    assert doc["running_step"] is None
    _compare(doc, ref_doc)
    kinds = [e["kind"] for e in _events(db, wf)]
    assert kinds.count("resumed") == 3


def _events(db: Path, wf: str) -> list[dict]:
    code = (f"from core.orchestrator.service import PlannerService; import json; "
            f"print(json.dumps([e.model_dump(mode='json') for e in PlannerService({str(db)!r}).events({wf!r})]))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_two_processes_deciding_at_once(tmp_path, demo, params_file):
    db = tmp_path / "p.db"
    wf = js(plan(db, demo, params_file()))["workflow_id"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-m", "core", "decide", wf, "--db", str(db), *extra,
                               "--by", who, "--json"],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for who, extra in (("ann", ["--accept"]), ("bob", ["--modify", "1000", "--reason", "smaller"]))]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[0] == 2)
    winner = next(r for r in results if r[0] == 0)
    assert "already decided by" in loser[2]
    doc = json.loads(winner[1])
    assert doc["state"] == "in_season"
    assert sum(a["season_total"] for a in doc["allocation"]) == doc["order"]["approved"]


@pytest.mark.slow
def test_anchor_normal_season_from_free_text_to_report(tmp_path, anchor_dir):
    db = tmp_path / "anchor.db"
    doc = js(run("plan", "--db", str(db), "--history", str(anchor_dir / "historical_sales_2022_2024.csv"),
                 "--stores", str(anchor_dir / "store_attributes.csv"), "--text", ANCHOR_TEXT, "--json"))
    wf = doc["workflow_id"]
    p = doc["parameters"]
    assert (p["category"], p["season_start"], p["horizon_weeks"], p["replenishment"], p["dc_holdback"],
            p["markdown_week"], p["markdown_target"], p["safety_stock"]) == \
        ("Women's Dresses", "2025-02-17", 12, "none", 0.0, 6, 0.6, 0.25)
    assert doc["order"]["proposed"] > 0
    doc = js(run("decide", wf, "--db", str(db), "--accept", "--json"))
    assert doc["dc_on_hand"] == 0
    assert any(s["reason"] == "Replenishment skipped: strategy is none" for s in doc["skipped"])
    folder = anchor_dir / "scenarios" / "normal_season"
    for week in range(1, 13):
        doc = js(run("actuals", wf, str(folder / f"actuals_week_{week:02d}.csv"), "--db", str(db), "--json"))
        if doc["state"] == "awaiting_markdown_approval":
            # the checkpoint rule finds a gap; the proposal follows the projection to season end
            assert week == 6 and doc["markdown"]["rule_depth"] > 0 and len(doc["pending"]["options"]) == 9
            doc = js(run("decide", wf, "--db", str(db), "--accept", "--json"))
    assert doc["state"] == "closed" and doc["replenishment"] == []
    # the publishers' week-5 demand shock trips the re-forecast
    assert doc["weeks"][4]["reforecast"] is True
    report = js(run("report", wf, "--db", str(db), "--json"))
    assert REPORT_KEYS <= set(report) and 5 in report["reforecast_weeks"]
    assert report["approvals"] == {"accepted": 2, "modified": 0}


def test_order_options_and_profit_in_the_json_contract(tmp_path, demo, params_file):
    db = tmp_path / "p.db"
    doc = js(plan(db, demo, params_file(unit_price=50.0, unit_cost=20.0, salvage_value=8.0)))
    pending = doc["pending"]
    assert pending["kind"] == "order" and pending["details"]["policy"] == "profit"
    options = pending["options"]
    assert {"quantity", "sold", "lost_sales", "leftover", "revenue", "profit"} <= set(options[0])
    assert set(options[0]["profit_quantiles"]) == {"p10", "p25", "p50", "p75", "p90"}
    best = max(options, key=lambda o: o["profit"])
    assert pending["proposal"] == best["quantity"] == doc["order"]["proposed"]
    assert any(o["quantity"] == pending["details"]["rule_quantity"] for o in options)
    assert doc["parameters"]["salvage_value"] == 8.0 and doc["parameters"]["order_policy"] == "profit"
    stated = js(plan(tmp_path / "q.db", demo, params_file(safety_stock=0.25)))
    assert stated["parameters"]["order_policy"] == "safety_stock"
    assert stated["pending"]["proposal"] == math.ceil(round(stated["forecast"]["total"] * 1.25, 6))
