"""Repository rules that the orchestrator relies on: version checks and one-time decisions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.db.engine import open_engine
from core.db.models import Dataset, Workflow
from core.db.repository import UnitOfWork
from core.orchestrator.errors import AlreadyDecided, ConcurrencyConflict


@pytest.fixture
def uow(db_url):
    u = UnitOfWork(open_engine(db_url))
    with u.begin() as repo:
        repo.s.add(Dataset(id=1, label="d", source="upload", content_hash="h", categories=["A"], n_stores=1,
                           n_weeks=1, warnings=[]))
        repo.s.add(Workflow(id="wf-aaaaaa", dataset_id=1, category="A", state="draft", version=1, parameters={},
                            context={}, created_by="t"))
    return u


def test_save_checks_the_version_it_read(uow):
    with uow.begin() as repo:
        assert repo.save_workflow("wf-aaaaaa", 1, state="forecasting", context={"a": 1}) == 2
    with pytest.raises(ConcurrencyConflict, match="version 1 is no longer current"):
        with uow.begin() as repo:
            repo.save_workflow("wf-aaaaaa", 1, state="closed", context={})
    with uow.read() as repo:
        wf = repo.workflow("wf-aaaaaa")
        assert (wf.state, wf.version, wf.context) == ("forecasting", 2, {"a": 1})


def test_an_approval_is_decided_once(uow):
    with uow.begin() as repo:
        approval_id = repo.add_approval("wf-aaaaaa", "order", 100.0)
    at = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)
    with uow.begin() as repo:
        repo.decide_approval(approval_id, status="modified", decided=90.0, reason="cap", by="ann", at=at)
    with pytest.raises(AlreadyDecided, match=r"already decided by ann at 2025-01-01T12:00:00.*modified \(90 units\)"):
        with uow.begin() as repo:
            repo.decide_approval(approval_id, status="accepted", decided=100.0, reason=None, by="bob", at=at)
    with uow.read() as repo:
        [a] = repo.approvals("wf-aaaaaa")
        assert (a.status, a.decided, a.decided_by) == ("modified", 90.0, "ann")


def test_raw_files_are_kept_compressed(uow):
    data = b"date,store_id,quantity_sold\n" * 1000
    with uow.begin() as repo:
        rid = repo.add_raw_file("actuals", "w1.csv", data)
    with uow.read() as repo:
        assert repo.raw_file_bytes(rid) == data
        from core.db.models import RawFile
        assert len(repo.s.get(RawFile, rid).content_gz) < len(data) / 10
