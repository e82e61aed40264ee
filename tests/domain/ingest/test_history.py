from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.domain.ingest import limits, parse_history
from tests.domain.ingest.helpers import csv, rejection

HEADER = "date,store_id,category,quantity_sold,revenue"


def test_daily_rows_are_summed_into_monday_weeks():
    # 2025-03-01 is a Saturday: it belongs to the week of Monday 2025-02-24.
    data = csv(
        HEADER,
        "2025-03-01,S1,Dresses,2,20.0",
        "2025-03-02,S1,Dresses,3,30.5",
        "2025-03-03,S1,Dresses,4,40.0",
        "2025-03-09,S1,Dresses,1,10.0",
        "2025-03-03,S2,Dresses,7,",
    )
    up = parse_history(data, "h.csv")
    frame = up.frame
    assert list(frame.columns) == ["week_start", "store_id", "category", "quantity", "revenue", "days"]
    assert up.frequency == "daily"
    assert up.rows_read == 5
    rows = {(r.store_id, r.week_start.date().isoformat()): r for r in frame.itertuples()}
    assert rows[("S1", "2025-02-24")].quantity == 5.0
    assert rows[("S1", "2025-02-24")].revenue == pytest.approx(50.5)
    assert rows[("S1", "2025-02-24")].days == 2
    assert rows[("S1", "2025-03-03")].quantity == 5.0
    assert rows[("S1", "2025-03-03")].days == 2
    assert np.isnan(rows[("S2", "2025-03-03")].revenue)
    assert (frame["week_start"].dt.weekday == 0).all()
    assert frame["week_start"].dtype == "datetime64[ns]"
    assert up.first_date.isoformat() == "2025-03-01" and up.last_date.isoformat() == "2025-03-09"
    assert up.categories == ["Dresses"] and up.stores == ["S1", "S2"]
    assert any("first week (2025-02-24) has only 2 of 7 days" in w for w in up.warnings)


def test_weekly_input_on_a_monday_calendar_keeps_seven_days_and_says_when_not_monday():
    data = csv(
        "date,store_id,category,quantity_sold",
        "2025-03-01,S1,Dresses,70",
        "2025-03-08,S1,Dresses,77",
        "2025-03-15,S1,Dresses,84",
    )
    up = parse_history(data, "weekly.csv", week_start=0)  # Monday asked for: each row moves to its Monday
    assert up.frequency == "weekly"
    assert up.frame["days"].tolist() == [7, 7, 7]
    assert up.frame["quantity"].tolist() == [70.0, 77.0, 84.0]
    assert [d.date().isoformat() for d in up.frame["week_start"]] == ["2025-02-24", "2025-03-03", "2025-03-10"]
    assert up.week_start == 0 and up.detected_week_start == 5
    assert "weekly rows are dated on Saturday, not Monday; each row was counted in the Monday..Sunday week " \
           "that contains its date" in up.warnings
    assert any("no revenue column" in w for w in up.warnings)


def test_header_is_case_insensitive_and_trimmed_and_bom_accepted():
    data = b"\xef\xbb\xbf Date ,STORE_ID, Category,Quantity_Sold\n2025-03-03,S1,Dresses,5\n"
    up = parse_history(data, "h.csv")
    assert up.frame["quantity"].tolist() == [5.0]


def test_anchor_history_loads(anchor_dir):
    up = parse_history((anchor_dir / "historical_sales_2022_2024.csv").read_bytes(), "history.csv")
    assert up.rows_read == 164_400
    assert up.categories == ["Accessories", "Men's Shirts", "Women's Dresses"]
    assert len(up.stores) == 50
    assert up.frequency == "daily"
    assert up.first_date.isoformat() == "2022-01-01" and up.last_date.isoformat() == "2024-12-31"
    raw = pd.read_csv(anchor_dir / "historical_sales_2022_2024.csv")
    assert up.frame["quantity"].sum() == raw["quantity_sold"].sum()
    assert up.frame["days"].max() == 7


def test_empty_file():
    err = rejection(lambda: parse_history(b"", "h.csv"))
    assert err.messages == ["h.csv: the file is empty; expected a header row and history rows"]


def test_header_without_rows():
    err = rejection(lambda: parse_history(csv(HEADER), "h.csv"))
    assert "header but no data rows" in err.messages[0]


def test_missing_column_names_it_and_what_was_expected():
    err = rejection(lambda: parse_history(csv("date,store_id,category", "2025-03-03,S1,D"), "h.csv"))
    assert len(err.problems) == 1
    p = err.problems[0]
    assert (p.row, p.column) == (1, "quantity_sold")
    assert "missing column 'quantity_sold'" in p.message
    assert "expected date, store_id, category, quantity_sold, [revenue]" in p.message


def test_semicolon_file_is_told_to_use_commas():
    err = rejection(lambda: parse_history(csv("date;store_id;category;quantity_sold", "2025-03-03;S1;D;4"), "h.csv"))
    assert "expected comma-separated columns" in err.messages[0]
    assert "separated by semicolons" in err.messages[0]


def test_non_utf8_file_names_the_line_and_the_fix():
    data = csv(HEADER, "2025-03-03,S1,Dresses,1,1.0") + "2025-03-04,S1,Robes d\xe9t\xe9,1,1.0\n".encode("latin-1")
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert err.problems[0].row == 3
    assert "not valid UTF-8 (byte 0xe9)" in err.problems[0].message
    assert "CSV UTF-8" in err.problems[0].message


def test_utf16_file_is_rejected():
    err = rejection(lambda: parse_history(csv(HEADER, "2025-03-03,S1,D,1,1").decode().encode("utf-16"), "h.csv"))
    assert "UTF-16 or binary" in err.messages[0]


def test_excel_workbook_is_recognised():
    err = rejection(lambda: parse_history(b"PK\x03\x04" + b"\x00" * 50, "h.xlsx"))
    assert "Excel workbook" in err.messages[0]


def test_file_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_HISTORY_BYTES", 2 * limits.MB)
    data = csv(HEADER) + b"2025-03-03,S1,Dresses,1,1.0\n" * 80_000
    err = rejection(lambda: parse_history(data, "big.csv"))
    # 45-byte header line + 28 bytes x 80,000 rows = 2,240,045 bytes (2.14 MB) > 2 MB = 2,097,152 bytes
    assert len(data) == 2_240_045
    assert err.messages[0] == (
        "big.csv: the file is 2,240,045 bytes (2.1 MB); the limit for history files is 2,097,152 bytes (2 MB)"
    )


def test_bad_dates_name_row_column_and_value():
    data = csv(HEADER, "2025-03-03,S1,D,1,1", "03/04/2025,S1,D,1,1", "2025-02-30,S1,D,1,1", ",S1,D,1,1")
    err = rejection(lambda: parse_history(data, "h.csv"))
    got = [(p.row, p.column, p.message) for p in err.problems]
    assert got == [
        (3, "date", "'03/04/2025' is not a valid date; expected YYYY-MM-DD (e.g. 2025-03-03)"),
        (4, "date", "'2025-02-30' is not a valid date; expected YYYY-MM-DD (e.g. 2025-03-03)"),
        (5, "date", "missing value"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-3", "'-3' is negative; must be at least 0"),
        ("2.5", "'2.5' is not a whole number of units"),
        ("abc", "'abc' is not a number"),
        ("nan", "'nan' is not a number"),
        ("inf", "'inf' is not a plausible value (limit 10,000,000)"),
        ("1e12", "'1e12' is not a plausible value (limit 10,000,000)"),
    ],
)
def test_bad_quantities(value, expected):
    data = csv(HEADER, "2025-03-03,S1,D,1,1", f"2025-03-04,S1,D,{value},1")
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert [(p.row, p.column, p.message) for p in err.problems] == [(3, "quantity_sold", expected)]


def test_bad_revenue_is_reported_with_its_row():
    data = csv(HEADER, "2025-03-03,S1,D,1,12.5", "2025-03-04,S1,D,1,twelve", "2025-03-05,S1,D,1,nan")
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert [(p.row, p.column, p.message) for p in err.problems] == [
        (3, "revenue", "'twelve' is not a number"),
        (4, "revenue", "'nan' is not a number"),
    ]


@pytest.mark.parametrize("bad_id", ["=HYPERLINK(1)", "+S1", "-S1", "@S1", "S 1", "S" * 65])
def test_invalid_and_formula_store_ids(bad_id):
    data = csv(HEADER, "2025-03-03,S1,D,1,1", f"2025-03-03,{bad_id},D,1,1")
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert len(err.problems) == 1
    assert (err.problems[0].row, err.problems[0].column) == (3, "store_id")
    assert err.problems[0].message.startswith(f"store_id '{bad_id}"[:30])


def test_formula_category_is_rejected():
    err = rejection(lambda: parse_history(csv(HEADER, "2025-03-03,S1,=cmd|x,1,1"), "h.csv"))
    assert "treat as a formula" in err.problems[0].message and err.problems[0].column == "category"


def test_duplicate_rows_point_at_the_first_one():
    data = csv(HEADER, "2025-03-03,S1,D,1,1", "2025-03-04,S1,D,1,1", "2025-03-03,S1,D,5,1")
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert [(p.row, p.message) for p in err.problems] == [
        (4, "duplicate row: date 2025-03-03, store_id 'S1', category 'D' already appears on line 2")
    ]


def test_row_with_too_many_fields():
    err = rejection(lambda: parse_history(csv(HEADER, "2025-03-03,S1,D,1,1,extra"), "h.csv"))
    assert (err.problems[0].row, err.problems[0].message) == (
        2, "row has more fields than the header (5 columns)"
    )


def test_every_problem_is_listed_at_once():
    data = csv(HEADER, "2025-13-01,S1,D,1,1", "2025-03-03,@x,D,1,1", "2025-03-03,S1,D,-1,1")
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert [(p.row, p.column) for p in err.problems] == [(2, "date"), (3, "store_id"), (4, "quantity_sold")]


def test_problem_list_is_capped_with_a_count_of_the_rest():
    data = csv(HEADER, *[f"2025-03-03,S{i},D,-1,1" for i in range(80)])
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert len(err.problems) == limits.MAX_PROBLEMS
    assert err.truncated == 80 - limits.MAX_PROBLEMS
    assert err.messages[-1] == f"... and {80 - limits.MAX_PROBLEMS} more problems not shown"
    assert err.problems[0].row == 2


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    data = b"date,store_id,category,quantity_sold\n2025-03-03,S1,D,1\n\n2025-03-04,S1,D,x\n"
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert err.problems[0].row == 4


def test_small_chunks_give_the_same_weeks_and_true_line_numbers(monkeypatch):
    monkeypatch.setattr(limits, "CHUNK_ROWS", 3)
    days = pd.date_range("2025-03-03", periods=10).strftime("%Y-%m-%d")
    good = csv(HEADER, *[f"{d},S1,D,{i},{i}.5" for i, d in enumerate(days)])
    up = parse_history(good, "h.csv")
    assert up.frame["quantity"].tolist() == [sum(range(7)), sum(range(7, 10))]
    assert up.frame["revenue"].tolist() == [sum(range(7)) + 3.5, sum(range(7, 10)) + 1.5]
    assert up.frame["days"].tolist() == [7, 3]
    # Revenue that is not a number in the second chunk, and a broken row in the fourth.
    rows = [f"{d},S1,D,{i},{i}.5" for i, d in enumerate(days)]
    rows[4] = f"{days[4]},S1,D,4,4,5x"
    rows[5] = f"{days[5]},S1,D,5,five"
    rows[9] = f"{days[9]},S1,D,9,1,2,3"
    err = rejection(lambda: parse_history(csv(HEADER, *rows), "h.csv"))
    assert [(p.row, p.column, p.message) for p in err.problems] == [
        (6, None, "row has more fields than the header (5 columns)"),
        (7, "revenue", "'five' is not a number"),
        (11, None, "row has more fields than the header (5 columns)"),
    ]


def test_nul_byte_inside_a_cell_is_rejected_not_truncated():
    # pandas would read 'S1\x00' as 'S1' and accept the file; line 2 + 5000 rows puts the NUL past the
    # first 4 KB sniffed for binary files.
    rows = b"".join(b"2025-03-03,S%d,Dresses,1,1.0\n" % i for i in range(5000))
    data = csv(HEADER) + rows + b"2025-03-10,S1\x00,Dresses,1,1.0\n"
    err = rejection(lambda: parse_history(data, "h.csv"))
    assert err.messages == [
        "h.csv, row 5002: the file contains a NUL byte (binary or corrupt data); save it as 'CSV UTF-8'"
    ]
