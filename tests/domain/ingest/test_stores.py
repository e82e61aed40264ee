from __future__ import annotations

import pytest

from core.domain.ingest import STORES_FRAME_COLUMNS, parse_stores
from tests.domain.ingest.helpers import csv, rejection

HEADER = "store_id,avg_weekly_sales_12mo,store_size_sqft,median_income,location_tier,fashion_tier,store_format,region"


def test_anchor_store_attributes_load(anchor_dir):
    up = parse_stores((anchor_dir / "store_attributes.csv").read_bytes(), "store_attributes.csv")
    assert list(up.frame.columns) == STORES_FRAME_COLUMNS
    assert len(up.frame) == 50
    assert up.frame.loc[0, "store_id"] == "S001"
    assert up.frame.loc[0, "store_size_sqft"] == 12500.0
    assert up.frame["store_size_sqft"].dtype == float
    assert set(up.frame["location_tier"]) <= {"A", "B", "C"}
    assert up.warnings == [
        "extra columns ignored: foot_traffic, competitor_density, online_penetration, "
        "population_density, mall_location"
    ]


def test_enum_values_are_matched_case_insensitively():
    up = parse_stores(csv(HEADER, "S1,100,5000,60000,b, premium ,shopping center,MIDWEST"), "s.csv")
    row = up.frame.iloc[0]
    assert (row.location_tier, row.fashion_tier, row.store_format, row.region) == (
        "B", "Premium", "ShoppingCenter", "Midwest"
    )


@pytest.mark.parametrize(
    ("column", "line", "allowed"),
    [
        ("location_tier", "S1,100,5000,60000,D,Premium,Mall,West", "A, B, C"),
        ("fashion_tier", "S1,100,5000,60000,A,Luxury,Mall,West", "Premium, Mainstream, Value"),
        ("store_format", "S1,100,5000,60000,A,Premium,Kiosk,West", "Mall, Standalone, ShoppingCenter, Outlet"),
        ("region", "S1,100,5000,60000,A,Premium,Mall,Pacific", "Northeast, Southeast, Midwest, West"),
    ],
)
def test_unknown_enum_value_lists_the_allowed_ones(column, line, allowed):
    err = rejection(lambda: parse_stores(csv(HEADER, line), "s.csv"))
    assert len(err.problems) == 1
    p = err.problems[0]
    assert (p.row, p.column) == (2, column)
    assert p.message.endswith(f"is not an allowed value; allowed {allowed}")


def test_duplicate_store_ids():
    data = csv(HEADER, "S1,100,5000,60000,A,Premium,Mall,West", "S2,100,5000,60000,A,Premium,Mall,West",
               "S1,90,5000,60000,A,Premium,Mall,West")
    err = rejection(lambda: parse_stores(data, "s.csv"))
    assert [(p.row, p.column, p.message) for p in err.problems] == [
        (4, "store_id", "duplicate store_id 'S1'; first on line 2")
    ]


def test_bad_numbers_and_ids_all_reported():
    data = csv(HEADER, "S1,-5,5000,60000,A,Premium,Mall,West", "=S2,100,0,abc,A,Premium,Mall,West")
    err = rejection(lambda: parse_stores(data, "s.csv"))
    got = [(p.row, p.column) for p in err.problems]
    assert got == [(2, "avg_weekly_sales_12mo"), (3, "median_income"), (3, "store_id"), (3, "store_size_sqft")]
    by_column = {p.column: p.message for p in err.problems}
    assert by_column["store_size_sqft"] == "'0' is too small; must be greater than 0"
    assert by_column["avg_weekly_sales_12mo"] == "'-5' is negative; must be at least 0"


def test_a_stores_file_without_an_attribute_is_read_with_it_empty():
    up = parse_stores(csv(HEADER.rsplit(",", 1)[0], "S1,1,1,1,A,Value,Mall"), "s.csv")
    assert up.frame["region"].tolist() == [None]
    assert "no region column" in up.warnings[0]


def test_store_id_is_the_only_required_column():
    up = parse_stores(csv("store_id", "S1", "S2"), "s.csv")
    assert up.store_ids == ["S1", "S2"]
    assert up.frame["store_size_sqft"].isna().all() and up.frame["location_tier"].isna().all()
    err = rejection(lambda: parse_stores(csv("shop,region", "S1,West"), "s.csv"))
    assert err.problems[0].column == "store_id" and "missing column 'store_id'" in err.problems[0].message
    assert "--map store_id=YOUR_COLUMN" in err.problems[0].message


def test_an_attribute_the_file_has_is_still_checked():
    err = rejection(lambda: parse_stores(csv("store_id,region", "S1,West", "S2,Mars"), "s.csv"))
    assert [(p.row, p.column) for p in err.problems] == [(3, "region")]
    assert "allowed Northeast, Southeast, Midwest, West" in err.problems[0].message


def test_header_only_stores_file():
    err = rejection(lambda: parse_stores(csv(HEADER), "s.csv"))
    assert "no store rows" in err.messages[0]
