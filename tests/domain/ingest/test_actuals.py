from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.domain.errors import PartialWeek
from core.domain.ingest import parse_actuals
from tests.domain.ingest.helpers import csv, rejection

SEASON = date(2025, 2, 17)  # a Monday; week 2 starts 2025-02-24
STORES = ["S1", "S2"]


def parse(data: bytes, *, category: str | None = "Dresses", stores=STORES, start=SEASON, weeks=12):
    return parse_actuals(data, "a.csv", season_start=start, horizon_weeks=weeks, known_stores=stores,
                         category=category)


def full_week(monday: str = "2025-02-24", stores=STORES, qty: int = 3) -> list[str]:
    days = pd.date_range(monday, periods=7).strftime("%Y-%m-%d")
    return [f"{d},{s},{qty}" for d in days for s in stores]


def test_week_is_found_by_date_and_summed():
    up = parse(csv("date,store_id,quantity_sold", *full_week(qty=3)))
    assert up.week == 2
    assert up.week_start == date(2025, 2, 24)
    assert up.by_store == {"S1": 21, "S2": 21}
    assert up.total == 42
    assert up.missing_stores == [] and up.warnings == []
    assert list(up.daily.columns) == ["date", "store_id", "quantity"]
    assert len(up.daily) == 14


@pytest.mark.parametrize("scenario", ["normal_season", "low_demand"])
def test_anchor_scenarios_align_to_weeks_1_to_12(anchor_dir, scenario):
    stores = [f"S{i:03d}" for i in range(1, 51)]
    for k in range(1, 13):
        path = anchor_dir / "scenarios" / scenario / f"actuals_week_{k:02d}.csv"
        up = parse(path.read_bytes(), category="Women's Dresses", stores=stores)
        assert up.week == k
        assert up.total == int(pd.read_csv(path)["quantity_sold"].sum())
        assert up.missing_stores == []


def test_anchor_high_demand_file_spanning_two_weeks_is_rejected(anchor_dir):
    path = anchor_dir / "scenarios" / "high_demand" / "actuals_week_01.csv"
    err = rejection(lambda: parse(path.read_bytes(), category="Women's Dresses",
                                  stores=[f"S{i:03d}" for i in range(1, 51)]))
    text = "\n".join(err.messages)
    assert "spans 2 season weeks" in text
    assert "dates 2025-03-01..2025-03-02 (100 rows, lines 2-101) fall in season week 2 " \
           "(Monday 2025-02-24..Sunday 2025-03-02)" in text
    assert "dates 2025-03-03..2025-03-07 (250 rows, lines 102-351) fall in season week 3" in text
    assert "week 2: 2025-02-24..2025-03-02; week 3: 2025-03-03..2025-03-09" in text


def test_saturday_to_friday_file_is_never_silently_assigned():
    rows = full_week("2025-03-01")  # Saturday..Friday
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold", *rows)))
    assert "spans 2 season weeks" in err.messages[0]


def test_other_categories_are_ignored_and_counted():
    rows = [r + ",Dresses" for r in full_week(qty=2)] + [r + ",Shirts" for r in full_week(qty=9)]
    up = parse(csv("date,store_id,quantity_sold,category", *rows))
    assert up.total == 28
    assert up.warnings == [] and up.other_category_rows == 14
    assert up.notes == ["14 rows of other categories ('Shirts') were ignored; this workflow plans 'Dresses'"]


def test_no_row_of_the_workflow_category_is_rejected():
    rows = [r + ",Shirts" for r in full_week()]
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold,category", *rows)))
    assert err.messages == ["a.csv, column 'category': no rows for category 'Dresses'; the file has 'Shirts'"]


def test_several_categories_without_a_workflow_category_is_rejected():
    rows = [r + ",Dresses" for r in full_week()] + [r + ",Shirts" for r in full_week()]
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold,category", *rows), category=None))
    assert "several categories ('Dresses', 'Shirts')" in err.messages[0]


def test_missing_days_refuse_the_file_naming_them():
    rows = [r for r in full_week(stores=["S1"]) if not r.startswith("2025-03-02")]
    with pytest.raises(PartialWeek) as info:
        parse(csv("date,store_id,quantity_sold", *rows), stores=["S1", "S2", "S3"])
    assert info.value.week == 2 and info.value.missing_dates == [date(2025, 3, 2)]
    assert info.value.messages == [
        "a.csv, column 'date': week 2 (2025-02-24..2025-03-02, Monday..Sunday) has no rows for Sunday 2025-03-02: "
        "the file holds 6 of the week's 7 days, so it was not stored as a full week; upload the complete week, "
        "or confirm it as a partial week (compared with the plan for those days only; the full week can "
        "replace it later)"
    ]


def test_confirmed_partial_week_and_missing_stores_are_warnings():
    rows = [r for r in full_week(stores=["S1"]) if not r.startswith("2025-03-02")]
    up = parse_actuals(csv("date,store_id,quantity_sold", *rows), "a.csv", season_start=SEASON, horizon_weeks=12,
                       known_stores=["S1", "S2", "S3"], category="Dresses", confirm_partial=True)
    assert up.missing_stores == ["S2", "S3"]
    assert up.partial and up.missing_dates == [date(2025, 3, 2)]
    assert up.dates == [date(2025, 2, 24) + pd.Timedelta(days=k) for k in range(6)]
    assert up.total == 18
    assert up.warnings == [
        "week 2 (2025-02-24..2025-03-02) was confirmed as a partial week: no rows for Sunday 2025-03-02; "
        "it is compared with the plan for its 6 days only",
        "2 of 3 stores have no rows this week (S2, S3); they count as zero only if you confirm",
    ]


def test_unknown_store_names_row_value_and_known_stores():
    rows = full_week() + ["2025-02-24,S9,1"]
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold", *rows)))
    assert [(p.row, p.column, p.message) for p in err.problems] == [
        (16, "store_id", "unknown store_id 'S9'; the workflow's stores are S1, S2")
    ]


def test_dates_outside_the_season():
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold", "2025-02-16,S1,1", "2025-05-12,S1,1")))
    assert [(p.row, p.message) for p in err.problems] == [
        (2, "date 2025-02-16 is outside the season 2025-02-17..2025-05-11 (weeks 1..12, Monday..Sunday)"),
        (3, "date 2025-05-12 is outside the season 2025-02-17..2025-05-11 (weeks 1..12, Monday..Sunday)"),
    ]


def test_duplicate_date_store_rows():
    rows = full_week() + ["2025-02-25,S2,4"]
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold", *rows)))
    assert [(p.row, p.message) for p in err.problems] == [
        (16, "duplicate row: date 2025-02-25 and store_id 'S2' already appear on line 5")
    ]


def test_negative_and_fractional_quantities():
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold", "2025-02-24,S1,-1", "2025-02-24,S2,1.5")))
    assert [(p.row, p.column, p.message) for p in err.problems] == [
        (2, "quantity_sold", "'-1' is negative; must be at least 0"),
        (3, "quantity_sold", "'1.5' is not a whole number of units"),
    ]


def test_non_monday_season_start_is_read_as_its_monday():
    # A Wednesday start means the season's first week is Monday 2025-02-24..Sunday 2025-03-02.
    up = parse(csv("date,store_id,quantity_sold", *full_week("2025-02-24")), start=date(2025, 2, 26))
    assert (up.week, up.week_start) == (1, date(2025, 2, 24))


def test_header_only_actuals():
    err = rejection(lambda: parse(csv("date,store_id,quantity_sold")))
    assert "no rows" in err.messages[0]
