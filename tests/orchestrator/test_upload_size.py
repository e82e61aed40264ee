"""Files over ingestion's size limit are refused with ingestion's message before any database work.

The limits are lowered for the test (core.domain.ingest.limits is the one place they live), and
every SQL statement the service sends is counted on the real engine.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from core.domain.errors import IngestError
from core.domain.ingest import limits, parse_actuals, parse_history
from tests.orchestrator.conftest import SEASON_START, actuals_csv, base_daily, history_csv, params, stores_csv
from tests.orchestrator.helpers import dump_tables, new_service, small_dataset


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine, self.statements = engine, []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_oversized_actuals_refused_with_the_ingestion_message_and_no_sql(db_url, monkeypatch) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    data = actuals_csv(1, base_daily())
    monkeypatch.setattr(limits, "MAX_ACTUALS_BYTES", len(data) - 1)
    with pytest.raises(IngestError) as direct:
        parse_actuals(data, "big.csv", season_start=SEASON_START, horizon_weeks=6, known_stores=["S1"],
                      category=None)
    before = dump_tables(svc)
    counter = StatementCounter(svc.engine)
    try:
        with pytest.raises(IngestError) as err:
            svc.upload_actuals(wf, data, "big.csv")
    finally:
        counter.close()
    assert counter.statements == []
    assert err.value.messages == direct.value.messages
    assert f"the file is {len(data):,} bytes" in err.value.messages[0]
    assert f"the limit for actuals files is {len(data) - 1:,} bytes" in err.value.messages[0]
    assert dump_tables(svc) == before
    # one byte more of allowance and the same file goes through
    monkeypatch.setattr(limits, "MAX_ACTUALS_BYTES", len(data))
    assert svc.upload_actuals(wf, data, "big.csv").weeks_done == 1
    svc.close()


def test_oversized_dataset_files_refused_before_hashing_or_storing(db_url, monkeypatch) -> None:
    svc = new_service(db_url)
    history, stores = history_csv(), stores_csv()
    monkeypatch.setattr(limits, "MAX_HISTORY_BYTES", 1000)
    monkeypatch.setattr(limits, "MAX_STORES_BYTES", 100)
    with pytest.raises(IngestError) as direct:
        parse_history(history, "h.csv")
    before = dump_tables(svc)
    counter = StatementCounter(svc.engine)
    try:
        with pytest.raises(IngestError) as err:
            svc.import_dataset(history=history, history_name="h.csv", stores=stores, stores_name="s.csv")
    finally:
        counter.close()
    assert counter.statements == []
    assert len(err.value.problems) == 2  # both files named, each with its own limit
    assert err.value.messages[0] == direct.value.messages[0]
    assert "the limit for stores files is 100 bytes" in err.value.messages[1]
    assert dump_tables(svc) == before
    svc.close()
