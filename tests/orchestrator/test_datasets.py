"""Dataset import: validated before storing, reused by content, same frames in every process."""

from __future__ import annotations

import pandas as pd
import pytest

from core.domain.errors import IngestError
from core.orchestrator.queries import frames as datasets
from tests.orchestrator.conftest import history_csv, stores_csv
from tests.orchestrator.helpers import dump_tables, new_service


def test_import_stores_weekly_rows_and_reuses_identical_files(db_url):
    svc = new_service(db_url)
    info = svc.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(), stores_name="s.csv")
    assert (info.categories, info.stores, info.weeks, info.source) == (["Dresses", "Shirts"], 6, 110, "upload")
    again = svc.import_dataset(history=history_csv(), history_name="other.csv", stores=stores_csv(),
                               stores_name="s2.csv", label="again")
    assert again.id == info.id
    tables = dump_tables(svc)
    assert len(tables["dataset_history"]) == 110 * 6 * 2 and len(tables["dataset_stores"]) == 6
    assert len(tables["raw_files"]) == 2


def test_frames_read_back_equal_the_imported_ones(db_url):
    svc = new_service(db_url)
    info = svc.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(), stores_name="s.csv")
    fresh = svc.dataset_frames(info.id)
    datasets._cache.clear()
    loaded = svc.dataset_frames(info.id)
    pd.testing.assert_frame_equal(fresh.history, loaded.history)
    pd.testing.assert_frame_equal(fresh.stores, loaded.stores)
    assert loaded.history["quantity"].sum() == fresh.history["quantity"].sum() > 0


def test_rejected_dataset_changes_nothing(db_url):
    svc = new_service(db_url)
    before = dump_tables(svc)
    bad_stores = stores_csv().replace(b"Premium", b"Luxury", 1)
    with pytest.raises(IngestError, match="Luxury"):
        svc.import_dataset(history=history_csv(), history_name="h.csv", stores=bad_stores, stores_name="s.csv")
    missing_store = stores_csv().replace(b"S6,230", b"S7,230")
    with pytest.raises(IngestError, match="stores not in s.csv: S6"):
        svc.import_dataset(history=history_csv(), history_name="h.csv", stores=missing_store, stores_name="s.csv")
    assert dump_tables(svc) == before


def test_categories_are_listed_best_selling_first(db_url):
    # The hand-made history sells Shirts at 0.6x Dresses in every store-week, so Dresses lead.
    from core.orchestrator.service import PlannerService
    from tests.orchestrator.conftest import history_csv, stores_csv

    svc = PlannerService(db_url)
    info = svc.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(), stores_name="s.csv")
    assert info.categories == ["Dresses", "Shirts"]
    extraction = svc.extract_parameters("a 10-week season starting 2025-03-03", info.id)
    assert extraction.values["category"] == "Dresses"
    assert any("category not named" in f for f in extraction.flagged)
