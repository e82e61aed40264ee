"""Security basics of a local dashboard: loopback binding, XSRF protection, an upload size limit,
no unsafe HTML, formula-safe CSV exports, upload names used only as labels, SQL only through bound
parameters."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.reliability import cli, data, figures

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def test_streamlit_binds_loopback_with_xsrf_and_an_upload_limit() -> None:
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = cfg["server"]
    assert server["address"] == "127.0.0.1"
    assert server.get("enableXsrfProtection", True) is True
    assert 1 <= int(server["maxUploadSize"]) <= 500  # MB; a bound exists and is not absurd
    assert cfg.get("browser", {}).get("gatherUsageStats") is False
    start = (ROOT / "scripts" / "start.sh").read_text()
    assert "--server.address 127.0.0.1" in start or "--server.address" not in start
    assert "0.0.0.0" not in start


def _ui_sources() -> list[Path]:
    files = [ROOT / "streamlit_app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    return [f for f in files if f.exists()]


def test_no_page_renders_raw_html() -> None:
    """User text (file names, reasons, ids, LLM prose) reaches pages; none may be rendered as HTML."""
    offenders = []
    for f in _ui_sources():
        tree = ast.parse(f.read_text(), filename=str(f))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            if name.endswith((".html", "components.v1.html", "components.html", "iframe")):
                offenders.append(f"{f.relative_to(ROOT)}:{node.lineno} {name}(...)")
            for kw in node.keywords:
                if kw.arg == "unsafe_allow_html" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    offenders.append(f"{f.relative_to(ROOT)}:{node.lineno} unsafe_allow_html")
    assert not offenders, offenders


@pytest.mark.parametrize("dtype", ["object", "string", "category"])
def test_csv_exports_neutralise_formulas_whatever_the_column_type(dtype: str) -> None:
    """The safe CSV helper of the pages: a text cell starting = + - @ TAB CR is written as text.
    pandas gives text columns the 'string' or 'category' dtype as often as 'object' (and pandas 3
    makes 'str' the default), so the protection must not depend on the dtype."""
    from ui.format import csv_bytes

    frame = pd.DataFrame({"store_id": pd.Series(FORMULAS, dtype=dtype), "qty": range(len(FORMULAS))})
    text = csv_bytes(frame).decode("utf-8")
    # Split by hand: the quantity is the last field, everything before its comma is the id cell.
    cells = [line.rsplit(",", 1)[0].lstrip('"') for line in text.split("\n")[1:] if line]
    figures.add("hostile inputs tried", len(FORMULAS))
    assert len(cells) == len(FORMULAS)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{dtype}: {cell!r} would run as a formula"
    # Numbers stay numbers (a negative quantity is not a formula).
    plain = csv_bytes(pd.DataFrame({"qty": [-5, 3]})).decode()
    assert plain.splitlines()[1:] == ["-5", "3"]


def test_csv_export_of_rows_neutralises_headers_and_cells() -> None:
    from ui.format import csv_bytes

    text = csv_bytes([{"=evil": "=cmd|' /C calc'!A0", "ok": "fine"}]).decode()
    header, row = text.splitlines()[:2]
    assert header.startswith("'=evil")
    assert row.startswith("'=cmd")


HOSTILE_NAMES = ["../../etc/passwd", "..\\..\\windows\\win.ini", "/tmp/absolute.csv", "<script>alert(1)</script>.csv",
                 "=cmd|' /C calc'!A0.csv"]


def test_upload_names_are_labels_never_paths(db_url: str, service: Any, dataset_id: int, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    wf = service.decide(service.start_workflow(data.params(markdown_week=None), dataset_id=dataset_id).workflow_id,
                        accept=True).workflow_id
    before = sorted(p for p in tmp_path.rglob("*"))
    for week, name in enumerate(HOSTILE_NAMES, start=1):
        service.upload_actuals(wf, data.actuals_csv(week), name)
        figures.add("hostile inputs tried")
    assert sorted(p for p in tmp_path.rglob("*")) == before or all(
        p.name.startswith("planner.db") for p in set(tmp_path.rglob("*")) - set(before))
    assert not Path("/tmp/absolute.csv").exists()
    stored = [u["filename"] for u in service.uploads(wf)]
    assert stored == HOSTILE_NAMES  # kept verbatim as a label, shown escaped by the pages


@pytest.mark.parametrize("name", ["a\x00b.csv", "n" * 600 + ".csv"], ids=["nul byte", "600 chars"])
def test_odd_upload_names_are_stored_or_rejected_by_name_not_as_a_database_failure(
        db_url: str, service: Any, dataset_id: int, name: str, request: pytest.FixtureRequest) -> None:
    """A file name with a NUL byte or of 600 characters (a crafted request can send either) must not
    surface as 'database is not usable': either it is stored (cleaned / clipped) or the message is
    about the file name. SQLite accepts both as they are; PostgreSQL refuses NUL in text and
    enforces the varchar lengths of uploads.filename (500) and datasets.label (200)."""
    from core.domain.errors import PlannerError

    wf = service.decide(service.start_workflow(data.params(markdown_week=None), dataset_id=dataset_id).workflow_id,
                        accept=True).workflow_id
    figures.add("hostile inputs tried")
    try:
        doc = service.upload_actuals(wf, data.actuals_csv(1), name)
    except PlannerError as exc:
        text = " ".join(exc.messages)
        assert "not usable" not in text and "database" not in text.lower(), text
        return
    assert doc.weeks_done == 1


def test_long_but_ordinary_file_names_import_on_every_backend(db_url: str, service: Any,
                                                             request: pytest.FixtureRequest) -> None:
    """Two 120-character file names (an export named after its report, say) make a dataset label of
    245 characters; datasets.label is varchar(200), which PostgreSQL enforces and SQLite does not."""
    from core.domain.errors import PlannerError

    history_name = "sales_history_" + "all_regions_all_channels_" * 4 + "2023-01-01_to_2025-02-28.csv"
    stores_name = "store_master_" + "attributes_and_clusters_" * 4 + "snapshot_2025-02-28.csv"
    assert len(history_name) > 100 and len(stores_name) > 100
    figures.add("hostile inputs tried")
    try:
        info = service.import_dataset(history=data.history_csv(), history_name=history_name,
                                      stores=data.stores_csv(), stores_name=stores_name)
    except PlannerError as exc:
        pytest.fail("a long file name made the import fail: " + "; ".join(exc.messages))
    assert info.stores == len(data.STORES)


def test_ids_are_bound_parameters_not_sql(db_url: str, service: Any, dataset_id: int) -> None:
    """Ids and labels reach SQL only as bound parameters: SQL in an id is just an unknown id."""
    from core.orchestrator.errors import NotFound

    wf = service.start_workflow(data.params(), dataset_id=dataset_id).workflow_id
    for evil in ["x' OR '1'='1", "x\"; DROP TABLE workflows; --", f"{wf}' --", "%"]:
        with pytest.raises(NotFound):
            service.status(evil)
        figures.add("hostile inputs tried")
    result = cli.run(db_url, "status", "wf' OR 1=1 --", "--json")
    cli.assert_clean_rejection(result)
    assert service.status(wf).state == "awaiting_order_approval"
    assert [w.workflow_id for w in service.list_workflows()] == [wf]


_SQL_CALL = re.compile(r"\b(execute|exec_driver_sql|text)\(\s*f[\"']")


def test_no_sql_is_built_by_string_formatting() -> None:
    """Static check over core/: no f-string handed to execute()/text(); the one allowed is the
    SQLite busy-timeout PRAGMA, whose value is a module constant (PRAGMAs take no parameters)."""
    offenders = []
    for f in sorted((ROOT / "core").rglob("*.py")):
        for n, line in enumerate(f.read_text().splitlines(), start=1):
            if _SQL_CALL.search(line) and "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}" not in line:
                offenders.append(f"{f.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders
