"""A season's steps read its category's history by query, in batches: the rows of the whole dataset's
frame for that category, in the same order and dtypes (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.orchestrator.queries import frames
from tests.orchestrator.conftest import history_csv, stores_csv
from tests.orchestrator.helpers import new_service


def _frames_by_category(url: str, monkeypatch, history: bytes) -> None:
    svc = new_service(url)
    ds = svc.import_dataset(history=history, history_name="history.csv", stores=stores_csv(), stores_name="stores.csv")
    frames._cache.clear()
    monkeypatch.setattr(frames, "HISTORY_BATCH", 50)  # many batches
    with svc.engine.connect() as conn:  # a columnar copy per category, written at import
        assert conn.execute(text("SELECT COUNT(*) FROM dataset_history_columns")).scalar() == len(ds.categories)
    for source in ("columns", "rows"):
        if source == "rows":  # a dataset imported before the columnar copy existed: read row by row
            with svc.engine.begin() as conn:
                conn.execute(text("DELETE FROM dataset_history_columns"))
        frames._cache.clear()
        with svc.uow.read() as repo:
            whole = frames.load_frames(repo, ds.id, "k")
            frames._cache.clear()
            for category in ds.categories:
                one = frames.load_frames(repo, ds.id, "k", category=category)
                expected = whole.history[whole.history["category"] == category].reset_index(drop=True)
                assert one.history.equals(expected), (source, category)
                assert one.history.dtypes.equals(whole.history.dtypes)
                assert one.stores.equals(whole.stores) and one.store_ids == whole.store_ids
                assert len(one.history) < len(whole.history)
    svc.close()


def test_a_category_is_read_alone_on_sqlite(tmp_path: Path, monkeypatch) -> None:
    _frames_by_category(f"sqlite:///{tmp_path / 'a.db'}", monkeypatch, history_csv())


@pytest.mark.postgres
def test_a_category_is_read_alone_on_postgresql(pg_url: str, monkeypatch) -> None:
    _frames_by_category(pg_url, monkeypatch, history_csv())


def test_a_category_without_revenue_reads_every_category(tmp_path: Path) -> None:
    # The price falls back on the whole history's revenue when the category has none.
    lines = history_csv().decode().splitlines()
    header, rows = lines[0], lines[1:]
    cats = sorted({r.split(",")[2] for r in rows})
    cut = [",".join(r.split(",")[:4]) + "," if r.split(",")[2] == cats[0] else r for r in rows]
    svc = new_service(f"sqlite:///{tmp_path / 'a.db'}")
    ds = svc.import_dataset(history=("\n".join([header, *cut]) + "\n").encode(), history_name="h.csv",
                            stores=stores_csv(), stores_name="stores.csv")
    frames._cache.clear()
    with svc.uow.read() as repo:
        one = frames.load_frames(repo, ds.id, "k", category=cats[0])
    assert set(one.history["category"]) == set(cats) and len(cats) > 1
    svc.close()
