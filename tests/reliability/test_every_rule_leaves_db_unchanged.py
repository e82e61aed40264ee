"""One bad file per ingestion rule of docs/planning-rules.md §3, sent through the service the pages and the CLI
call: the rejection names the problem (file, row, column, allowed values) and every table is exactly
as it was. Runs on SQLite and on PostgreSQL (see conftest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.domain.errors import PlannerError
from core.domain.ingest.limits import MAX_ACTUALS_BYTES, MAX_STORES_BYTES
from tests.reliability import data
from tests.reliability.dbdump import dump

HISTORY = data.history_csv()
STORES = data.stores_csv()
WEEK1 = data.actuals_csv(1)


def _edit_line(content: bytes, line: int, old: str, new: str) -> bytes:
    """Replace `old` by `new` on 1-based file line `line` (header = line 1)."""
    lines = content.decode().split("\n")
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines).encode()


def _drop_column(content: bytes, name: str) -> bytes:
    rows = [r.split(",") for r in content.decode().strip().split("\n")]
    i = rows[0].index(name)
    return ("\n".join(",".join(r[:i] + r[i + 1:]) for r in rows) + "\n").encode()


def _duplicate_line(content: bytes, line: int) -> bytes:
    lines = content.decode().strip().split("\n")
    return ("\n".join(lines + [lines[line - 1]]) + "\n").encode()


# (rule, which file is bad, bad bytes, fragments that must all appear in one message)
HISTORY_CASES: list[tuple[str, str, bytes, list[str]]] = [
    ("missing column", "history", _drop_column(HISTORY, "quantity_sold"), ["quantity_sold"]),
    ("unparsable date", "history", _edit_line(HISTORY, 2, HISTORY.decode().split("\n")[1].split(",")[0],
                                              "03/04/2024"), ["row 2", "date", "03/04/2024"]),
    ("unparsable number", "history", _edit_line(HISTORY, 3, ",Dresses,", ",Dresses,lots"),
     ["row 3", "quantity_sold", "lots"]),
    ("negative quantity", "history", _edit_line(HISTORY, 4, ",Dresses,", ",Dresses,-"),
     ["row 4", "quantity_sold", "negative"]),
    ("duplicate rows", "history", _duplicate_line(HISTORY, 2), ["duplicate", "line 2"]),
    ("empty file", "history", b"", ["empty"]),
    ("unknown enum value", "stores", _edit_line(STORES, 2, "Premium", "Luxury"),
     ["row 2", "fashion_tier", "Luxury", "Premium", "Mainstream", "Value"]),
    ("stores file over the size limit", "stores", STORES + b"#" * (MAX_STORES_BYTES + 1), ["MB"]),
]

WEEK_CASES: list[tuple[str, Callable[[], bytes], list[str]]] = [
    ("missing column", lambda: _drop_column(WEEK1, "store_id"), ["store_id"]),
    ("non-integer quantity", lambda: _edit_line(WEEK1, 2, ",8", ",8.5"), ["row 2", "quantity_sold", "8.5"]),
    ("negative quantity", lambda: _edit_line(WEEK1, 5, ",8", ",-3"), ["row 5", "quantity_sold", "-3"]),
    ("unknown store", lambda: _edit_line(WEEK1, 2, "S1,", "S99,"), ["row 2", "store_id", "S99"]),
    ("date outside the season", lambda: _edit_line(WEEK1, 2, "2025-03-03", "2024-03-03"),
     ["row 2", "2024-03-03", "season"]),
    ("spans two weeks", lambda: _edit_line(WEEK1, 2, "2025-03-03", "2025-03-10"), ["week"]),
    ("duplicate (date, store) rows", lambda: _duplicate_line(WEEK1, 2), ["duplicate"]),
    ("not UTF-8", lambda: WEEK1.replace(b"store_id", "störe_id".encode("latin-1")), ["UTF-8"]),
    ("semicolons", lambda: WEEK1.replace(b",", b";"), ["comma"]),
    ("over the size limit", lambda: WEEK1 + b"#" * (MAX_ACTUALS_BYTES + 1), ["MB"]),
    ("empty file", lambda: b"", ["empty"]),
]


def _one_message_has_all(exc: PlannerError, fragments: list[str]) -> bool:
    return any(all(f.lower() in m.lower() for f in fragments) for m in exc.messages)


@pytest.mark.parametrize(("rule", "which", "bad", "fragments"), HISTORY_CASES, ids=[c[0] for c in HISTORY_CASES])
def test_bad_dataset_file_is_rejected_by_name_and_nothing_is_stored(service: Any, db_url: str, rule: str,
                                                                   which: str, bad: bytes,
                                                                   fragments: list[str]) -> None:
    before = dump(db_url)
    history, stores = (bad, STORES) if which == "history" else (HISTORY, bad)
    with pytest.raises(PlannerError) as err:
        service.import_dataset(history=history, history_name="history.csv", stores=stores, stores_name="stores.csv")
    assert _one_message_has_all(err.value, [f"{which}.csv", *fragments]), err.value.messages
    assert dump(db_url) == before


@pytest.fixture
def in_season(service: Any, dataset_id: int) -> str:
    doc = service.decide(service.start_workflow(data.params(), dataset_id=dataset_id).workflow_id, accept=True)
    assert doc.state == "in_season", doc.last_error
    return doc.workflow_id


@pytest.mark.parametrize(("rule", "make", "fragments"), WEEK_CASES, ids=[c[0] for c in WEEK_CASES])
def test_bad_actuals_file_is_rejected_by_name_and_nothing_is_stored(service: Any, db_url: str, in_season: str,
                                                                   rule: str, make: Callable[[], bytes],
                                                                   fragments: list[str]) -> None:
    before = dump(db_url)
    with pytest.raises(PlannerError) as err:
        service.upload_actuals(in_season, make(), "week_01.csv")
    assert _one_message_has_all(err.value, ["week_01.csv", *fragments]), err.value.messages
    assert dump(db_url) == before


def test_stored_week_needs_replace_and_missing_stores_need_confirmation(service: Any, db_url: str,
                                                                       in_season: str) -> None:
    service.upload_actuals(in_season, WEEK1, "week_01.csv")
    before = dump(db_url)
    with pytest.raises(PlannerError) as again:
        service.upload_actuals(in_season, WEEK1, "week_01_again.csv")
    assert _one_message_has_all(again.value, ["week 1", "already stored", "replace"]), again.value.messages
    with pytest.raises(PlannerError) as missing:
        service.upload_actuals(in_season, data.actuals_csv(2, stores=["S1", "S2", "S3"]), "week_02.csv")
    assert _one_message_has_all(missing.value, ["S4"]), missing.value.messages
    assert dump(db_url) == before
