"""The CLI refuses what it cannot use before reading or storing anything (exit 2, reasons on stderr):
odd files, oversize files (from their size, nothing read), unusable --db paths, a database from
newer code, OUT_DIRs that are files, unwritable or not empty, invalid or infeasible plans, and
decisions that could never be carried out."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.cli.main import main
from core.db.engine import open_engine
from core.domain.ingest import limits
from tests.reliability import data, dbdump

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    h, s, p = tmp_path / "history.csv", tmp_path / "stores.csv", tmp_path / "params.json"
    h.write_bytes(data.history_csv())
    s.write_bytes(data.stores_csv())
    p.write_text(json.dumps(data.params()))
    return {"history": h, "stores": s, "params": p}


def plan_args(db: Path, f: dict[str, Path], **over: str) -> list[str]:
    paths = {k: str(v) for k, v in f.items()} | over
    return ["plan", "--db", str(db), "--history", paths["history"], "--stores", paths["stores"], "--params",
            paths["params"], "--json"]


def test_a_fifo_or_a_directory_given_as_a_csv_says_what_it_is(tmp_path: Path, files, capsys) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    db = tmp_path / "p.db"
    code, out, err = run(capsys, *plan_args(db, files, history=str(fifo)))
    assert (code, out) == (2, "")
    assert f"error: history file {fifo} is a named pipe (FIFO), not a regular file" in err
    code, _, err = run(capsys, *plan_args(db, files, stores=str(tmp_path)))
    assert code == 2 and f"error: stores file {tmp_path} is a directory, not a file" in err
    assert not db.exists()


def test_an_oversize_file_is_refused_from_its_size_without_reading_it(tmp_path: Path, files, capsys,
                                                                     monkeypatch) -> None:
    # A history file is read in chunks, so its limit is configurable (default 64 GB): set to 300 MB here.
    monkeypatch.setenv(limits.HISTORY_FILE_LIMIT_ENV, "300")
    big = tmp_path / "huge.csv"
    size = limits.MAX_HISTORY_BYTES + 1
    with open(big, "wb") as fh:  # sparse: costs no disk
        fh.truncate(size)
    tracemalloc.start()
    try:
        code, _, err = run(capsys, *plan_args(tmp_path / "p.db", files, history=str(big)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 2
    assert f"error: huge.csv: the file is {size:,} bytes (300.0 MB); the limit for history files is " in err
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB allocated to refuse a file by its size"


def test_db_under_a_file_exits_2(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code, _, err = run(capsys, "list", "--db", str(blocker / "p.db"))
    assert code == 2 and f"{blocker} is a file, not a folder" in err


def test_a_database_from_newer_code_exits_2(tmp_path: Path, capsys) -> None:
    db = tmp_path / "p.db"
    open_engine(f"sqlite:///{db}").dispose()
    raw = create_engine(f"sqlite:///{db}")
    with raw.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_newer'"))
    raw.dispose()
    for argv in (["list", "--db", str(db)], ["status", "wf-000000", "--db", str(db)]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "is at migration '0099_newer', which this code does not know" in err


def test_status_on_a_mistyped_db_path_creates_nothing(tmp_path: Path, capsys) -> None:
    db = tmp_path / "typo" / "planer.db"
    for argv in (["status", "wf-abc123"], ["decide", "wf-abc123", "--accept"], ["close", "wf-abc123"],
                 ["report", "wf-abc123"], ["retry", "wf-abc123"]):
        code, out, err = run(capsys, *argv, "--db", str(db))
        assert (code, out) == (2, ""), err
        assert f"the database {db} does not exist" in err
    code, out, _ = run(capsys, "list", "--db", str(db), "--json")
    assert (code, json.loads(out)) == (0, [])
    assert not db.exists() and not db.parent.exists()


def test_a_mistyped_url_is_not_taken_for_a_path(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "list", "--db", "postgresql+psycopg//me:secret-pw@db/x")
    assert code == 2 and "looks like a database URL but is not one" in err and "secret-pw" not in err
    assert list(tmp_path.iterdir()) == []


def test_demo_data_refuses_a_file_an_unwritable_folder_and_a_non_empty_folder(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "f.txt"
    a_file.write_text("keep me")
    code, _, err = run(capsys, "demo-data", str(a_file))
    assert code == 2 and "is a file, not a folder" in err
    code, _, err = run(capsys, "demo-data", str(a_file / "sub"))
    assert code == 2 and "is a file, not a folder" in err
    if os.geteuid() == 0:
        unwritable = Path("/sys/season-planner-demo")  # root may write anywhere except a read-only mount
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        unwritable = locked / "demo"
    code, _, err = run(capsys, "demo-data", str(unwritable))
    assert code == 2 and str(unwritable) in err and not unwritable.exists()

    out = tmp_path / "demo"
    out.mkdir()
    (out / "history.csv").write_text("mine")
    code, _, err = run(capsys, "demo-data", str(out))
    assert code == 2 and "is not empty (1 files, e.g. history.csv)" in err and "--force" in err
    assert (out / "history.csv").read_text() == "mine"
    code, _, _ = run(capsys, "demo-data", str(out), "--force")
    assert code == 0 and (out / "history.csv").read_text().startswith("date,")


@pytest.mark.parametrize(("override", "message"), [
    ({"horizon_weeks": 0}, "horizon_weeks = 0 is out of range"),
    ({"season_start": "1850-01-06"}, "season_start = 1850-01-06 is out of range"),
    ({"season_start": "9999-12-27"}, "season_start = 9999-12-27 is out of range"),
    ({"season_start": "2021-01-04"}, "complete week(s) of 'Dresses' history before the season"),
    ({"season_start": "2030-01-07"}, "more than 104 weeks after the last week"),
])
def test_plan_with_invalid_or_infeasible_parameters_stores_nothing(tmp_path: Path, files, capsys, override,
                                                                   message) -> None:
    db = tmp_path / "p.db"
    code, _, _ = run(capsys, "list", "--db", str(db))
    open_engine(f"sqlite:///{db}").dispose()
    before = dbdump.dump(f"sqlite:///{db}")
    files["params"].write_text(json.dumps(data.params(**override)))
    code, out, err = run(capsys, *plan_args(db, files))
    assert (code, out) == (2, ""), err
    assert message in err
    assert dbdump.dump(f"sqlite:///{db}") == before
    dbdump.forget(f"sqlite:///{db}")


def test_plan_with_one_store_is_refused_before_the_dataset_is_stored(tmp_path: Path, files, capsys) -> None:
    files["stores"].write_bytes(b"\n".join(data.stores_csv().splitlines()[:2]) + b"\n")
    files["history"].write_bytes(b"\n".join(l for l in data.history_csv().splitlines() if b",S1," in l or
                                            l.startswith(b"date")) + b"\n")
    db = tmp_path / "p.db"
    code, _, err = run(capsys, *plan_args(db, files))
    assert code == 2 and "clustering needs at least 2 stores with different attributes" in err
    assert not db.exists()


@pytest.fixture
def planned(tmp_path: Path, files, capsys) -> tuple[Path, str]:
    db = tmp_path / "p.db"
    code, out, err = run(capsys, *plan_args(db, files))
    assert code == 0, err
    return db, json.loads(out)["workflow_id"]


def test_decide_refuses_unusable_quantities_and_records_nothing(planned, capsys) -> None:
    db, wf = planned
    url = f"sqlite:///{db}"
    before = dbdump.dump(url)
    cases = {"inf": "is not a finite number", "nan": "is not a finite number", "-1": "is out of range",
             "0": "is out of range", "1e19": "order quantity = 10000000000000000000 is out of range",
             "9007199254740993": "order quantity = 9007199254740993 is out of range", "12.5": "not a whole number"}
    for value, message in cases.items():
        code, out, err = run(capsys, "decide", wf, "--db", str(db), "--modify", value, "--reason", "r")
        assert (code, out) == (2, ""), (value, err)
        assert message in err, (value, err)
    assert dbdump.dump(url) == before
    dbdump.forget(url)
    code, _, err = run(capsys, "decide", wf, "--db", str(db), "--modify", "1500", "--reason", "more")
    assert code == 0, err


def test_operations_doc_states_the_configured_upload_cap() -> None:
    import tomllib

    cap = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    doc = (ROOT / "docs" / "operations.md").read_text()
    assert f"`maxUploadSize = {cap}` MB" in doc


def test_forecast_names_a_fifo_and_a_directory_too(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for target, what in ((fifo, "is a named pipe (FIFO)"), (tmp_path, "is a directory, not a file")):
        code, out, err = run(capsys, "forecast", "--history", str(target), "--category", "all", "--start",
                             "2025-03-03", "--weeks", "4")
        assert (code, out) == (2, "") and what in err, err
