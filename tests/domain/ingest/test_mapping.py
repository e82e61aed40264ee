"""Column mapping at import: a planner's own column names read as ours, problems named by theirs."""

from __future__ import annotations

import pytest

from core.domain.errors import PlannerError
from core.domain.ingest import parse_actuals, parse_dataset, parse_history, parse_stores
from core.domain.ingest.mapping import check_mapping, header_names, layout_key, parse_map_option, suggest
from tests.domain.ingest.helpers import csv, rejection

THEIRS = {"date": "week_start", "store_id": "shop", "category": "dept", "quantity_sold": "qty"}


def _history() -> bytes:
    rows = ["week_start,shop,dept,qty"]
    for k in range(3):
        rows += [f"2025-01-{6 + 7 * k:02d},S{s},Dresses,{10 + s}" for s in (1, 2)]
    return csv(*rows)


def test_map_option_reads_our_column_equals_theirs() -> None:
    assert parse_map_option("date=week_start,store_id=shop, category = dept,quantity_sold=qty") == THEIRS


def test_map_option_names_every_bad_entry_and_the_allowed_columns() -> None:
    with pytest.raises(PlannerError) as info:
        parse_map_option("date,units=qty")
    text = " ".join(info.value.messages)
    assert "'date' is not OUR=THEIRS" in text
    assert "'units' is not one of our columns; allowed date, store_id, category, quantity_sold" in text


def test_one_of_their_columns_cannot_stand_for_two_of_ours() -> None:
    with pytest.raises(PlannerError, match="'shop' is given for both date and store_id"):
        check_mapping({"date": "shop", "store_id": "shop"})


def test_history_with_their_names_is_read_as_ours() -> None:
    up = parse_history(_history(), "h.csv", mapping=THEIRS)
    assert up.frame["quantity"].sum() == 3 * (11 + 12)
    assert up.frequency == "weekly" and up.stores == ["S1", "S2"]


def test_without_the_mapping_the_rejection_says_how_to_map() -> None:
    err = rejection(lambda: parse_history(_history(), "h.csv"))
    assert any("--map date=YOUR_COLUMN" in p.message for p in err.problems)


def test_problems_name_their_column_not_ours() -> None:
    data = csv("week_start,shop,dept,qty", "2025-01-06,S1,Dresses,lots")
    err = rejection(lambda: parse_history(data, "h.csv", mapping=THEIRS))
    assert [(p.file, p.row, p.column) for p in err.problems] == [("h.csv", 2, "qty")]


def test_a_mapped_column_missing_from_the_file_is_named_with_its_mapping() -> None:
    err = rejection(lambda: parse_history(_history(), "h.csv", mapping={**THEIRS, "quantity_sold": "units"}))
    assert "missing column 'units' (mapped to quantity_sold)" in err.problems[0].message


def test_one_mapping_serves_history_stores_and_week_files() -> None:
    stores = csv("shop,region", "S1,West", "S2,Midwest")
    hist, st = parse_dataset(_history(), "h.csv", stores, "s.csv", mapping=THEIRS)
    assert st.store_ids == ["S1", "S2"] and hist.categories == ["Dresses"]
    week = csv("week_start,shop,qty", *(f"2025-03-0{3 + d},S{s},1" for d in range(7) for s in (1, 2)))
    from datetime import date

    up = parse_actuals(week, "w.csv", season_start=date(2025, 3, 3), horizon_weeks=4, known_stores=["S1", "S2"],
                       category="Dresses", mapping=THEIRS)
    assert up.total == 14 and not up.partial


def test_stores_mapping_alone() -> None:
    up = parse_stores(csv("Shop Code", "A1"), "s.csv", mapping={"store_id": "Shop Code"})
    assert up.store_ids == ["A1"]


def test_layout_key_and_suggestions() -> None:
    names = header_names(b"\xef\xbb\xbfWeek_Start, Shop ,Dept,Qty\nx")
    assert names == ["Week_Start", "Shop", "Dept", "Qty"]
    assert layout_key("history", names) == layout_key("history", ["week_start", "shop", "dept", "qty"])
    assert layout_key("history", names) != layout_key("actuals", names)
    assert suggest("history", names) == {"date": "Week_Start", "store_id": "Shop", "category": "Dept",
                                         "quantity_sold": "Qty"}
