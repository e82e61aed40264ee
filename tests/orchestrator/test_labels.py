"""File names and people's names are labels: cleaned and clipped the same way on every backend.

PostgreSQL refuses NUL in text and enforces varchar lengths (datasets.label 200, filename 500,
created_by 100) that SQLite ignores; these tests run on whichever backend db_url points at and
expect identical stored values.
"""

from __future__ import annotations

from core.orchestrator.commands.labels import clean_filename, clean_label, clean_person, clean_text, clip, dataset_label
from tests.orchestrator.conftest import actuals_csv, base_daily, history_csv, params, stores_csv
from tests.orchestrator.helpers import new_service

HISTORY_NAME = "sales_history_" + "all_regions_all_channels_" * 4 + "2023-01-01_to_2025-02-28.csv"  # 142 chars
STORES_NAME = "store_master_" + "attributes_and_clusters_" * 4 + "snapshot_2025-02-28.csv"  # 132 chars


def test_clip_keeps_the_extension_and_the_limit() -> None:
    assert clip("short.csv", 20) == "short.csv"
    clipped = clip("a" * 30 + ".csv", 20)
    assert clipped == "a" * 15 + "….csv" and len(clipped) == 20
    assert clip("b" * 30, 10) == "b" * 9 + "…"  # no extension: plain ellipsis
    assert clip("x.averyveryverylongtail", 10) == "x.averyve…"  # a long tail is no extension


def test_clean_label_drops_control_characters_and_falls_back_when_empty() -> None:
    assert clean_label("a\x00b\x1b[31m.csv\r\n", 100, fallback="?") == "ab[31m.csv"
    assert clean_filename(" \x00\t ") == "unnamed file"
    assert clean_filename("../../etc/passwd") == "../../etc/passwd"  # a label, kept as typed
    assert clean_person("ann\x00") == "ann" and clean_person("") == "planner" and clean_person(None) == "planner"
    assert len(clean_person("z" * 150)) == 100
    assert clean_text("too\x00 many\r\nunits\t!") == "too many\nunits\t!"
    assert clean_text(" \x07 ") is None and clean_text(None) is None


def test_dataset_label_from_two_long_names_fits_and_shows_both() -> None:
    label = dataset_label(None, HISTORY_NAME, STORES_NAME)
    assert len(label) <= 200
    left, right = label.split(" + ")
    assert left.startswith("sales_history_") and left.endswith("….csv") and len(left) == 98
    assert right.startswith("store_master_") and right.endswith("….csv") and len(right) == 99
    assert dataset_label("  Spring \x00data ", HISTORY_NAME, STORES_NAME) == "Spring data"
    assert dataset_label(None, "h.csv", "s.csv") == "h.csv + s.csv"


def test_long_file_names_import_with_a_clipped_label(db_url) -> None:
    svc = new_service(db_url)
    info = svc.import_dataset(history=history_csv(), history_name=HISTORY_NAME, stores=stores_csv(),
                              stores_name=STORES_NAME)
    assert info.stores == 6
    assert info.label == dataset_label(None, HISTORY_NAME, STORES_NAME)
    assert [d.label for d in svc.list_datasets()] == [info.label]
    svc.close()


def test_odd_upload_names_and_people_are_stored_cleaned(db_url) -> None:
    svc = new_service(db_url)
    ds = svc.import_dataset(history=history_csv(), history_name="h\x00.csv", stores=stores_csv(),
                            stores_name="s.csv")
    assert ds.label == "h.csv + s.csv"
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=ds.id, by="ann\x00" + "n" * 120,
                            source_text="spring\x00 dresses").workflow_id
    svc.decide(wf, accept=True, by="bob\x1b")
    long_name = "n" * 600 + ".csv"
    svc.upload_actuals(wf, actuals_csv(1, base_daily()), "a\x00b.csv", by="cy\x00")
    doc = svc.upload_actuals(wf, actuals_csv(2, base_daily()), long_name)
    assert doc.weeks_done == 2
    names = [u["filename"] for u in svc.uploads(wf)]
    assert names[0] == "ab.csv"
    assert len(names[1]) == 500 and names[1] == "n" * 495 + "….csv"
    assert [u["created_by"] for u in svc.uploads(wf)] == ["cy", "planner"]
    assert svc.approvals(wf)[0].decided_by == "bob"
    summary = svc.list_workflows()[0]
    assert summary.workflow_id == wf
    assert doc.source_text == "spring dresses"
    started = [e for e in svc.events(wf) if e.kind == "started"][0]
    assert started.message.startswith("Workflow created by ann" + "n" * 96 + "…")
    uploads = [e for e in svc.events(wf) if e.kind == "upload"]
    assert "from ab.csv:" in uploads[0].message and "\x00" not in uploads[0].message
    svc.close()
