"""A history imported from a file path is streamed (chunks in, batches out) and stores exactly the
rows of the same file imported from its bytes, on SQLite and on PostgreSQL (COPY)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.domain.errors import IngestError
from core.orchestrator.commands import datasets
from core.orchestrator.queries import frames
from tests.orchestrator.conftest import history_csv, stores_csv
from tests.orchestrator.helpers import new_service


def _stored(svc, dataset_id: int) -> list[tuple]:
    with svc.engine.connect() as conn:
        return [(str(r[0]), *r[1:]) for r in conn.execute(text(
            "SELECT week_start, store_id, category, quantity, revenue, days FROM dataset_history "
            "WHERE dataset_id = :d ORDER BY id"), {"d": dataset_id})]


def _same_rows_from_a_path(url_bytes: str, url_path: str, tmp_path: Path, monkeypatch) -> None:
    data = history_csv()
    path = tmp_path / "history.csv"
    path.write_bytes(data)
    a = new_service(url_bytes)
    first = a.import_dataset(history=data, history_name="history.csv", stores=stores_csv(), stores_name="stores.csv")
    monkeypatch.setattr(datasets, "BATCH_ROWS", 37)  # many batches
    monkeypatch.setattr(datasets, "CACHE_ROWS", 0)  # nothing kept: the frames are read back by query
    b = new_service(url_path)
    second = b.import_dataset(history=path, history_name="history.csv", stores=stores_csv(), stores_name="stores.csv")
    assert _stored(b, second.id) == _stored(a, first.id)
    assert len(_stored(a, first.id)) > 37 * 3
    assert second.model_dump(exclude={"id", "created_at"}) == first.model_dump(exclude={"id", "created_at"})
    frames._cache.clear()
    with a.uow.read() as repo:
        fa = frames.load_frames(repo, first.id, "a")
    with b.uow.read() as repo:
        fb = frames.load_frames(repo, second.id, "b")
    assert fa.history.equals(fb.history)
    # The same files again, from bytes this time: the same content hash finds the dataset.
    again = b.import_dataset(history=data, history_name="history.csv", stores=stores_csv(), stores_name="stores.csv")
    assert again.id == second.id
    with b.uow.read() as repo:
        assert repo.raw_file_bytes(repo.dataset(second.id).history_file_id) == data
    a.close()
    b.close()


def test_a_path_stores_the_rows_of_its_bytes_on_sqlite(tmp_path: Path, monkeypatch) -> None:
    _same_rows_from_a_path(f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}", tmp_path, monkeypatch)


@pytest.mark.postgres
def test_a_path_stores_the_rows_of_its_bytes_on_postgresql(tmp_path: Path, monkeypatch, pg_url: str) -> None:
    _same_rows_from_a_path(f"sqlite:///{tmp_path / 'a.db'}", pg_url, tmp_path, monkeypatch)


def test_a_path_over_its_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(history_csv())
    svc = new_service(f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(IngestError, match="the limit for history files is 1,000 bytes"):
        svc.import_dataset(history=path, history_name="history.csv", stores=stores_csv(), stores_name="stores.csv",
                           max_history_bytes=1000)
    assert svc.list_datasets() == []
    svc.close()
