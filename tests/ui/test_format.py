"""Formatting and safe CSV export."""

from __future__ import annotations

import csv
import io

import pandas as pd

from ui.format import csv_bytes, fmt_int, fmt_pct, state_label
from ui.feedback import md_escape


def test_csv_neutralises_formula_text_but_keeps_numbers():
    frame = pd.DataFrame({"store_id": ["=HYPERLINK(\"x\")", "+1", "S01", "@SUM(A1)", "-2"], "qty": [1, -5, 3, 4, 5]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
    assert rows[0] == ["store_id", "qty"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"x\")", "'+1", "S01", "'@SUM(A1)", "'-2"]
    assert [r[1] for r in rows[1:]] == ["1", "-5", "3", "4", "5"]


def test_csv_from_records():
    data = csv_bytes([{"week": 1, "store_id": "S1", "qty": 7}])
    assert data.decode("utf-8").splitlines() == ["week,store_id,qty", "1,S1,7"]


def test_number_formats():
    assert fmt_int(12345.6) == "12,346"
    assert fmt_pct(0.1234) == "12.3%"
    assert fmt_pct(-0.05, signed=True) == "-5.0%"
    assert fmt_pct(None) == "—"
    assert state_label("awaiting_order_approval") == "Awaiting order approval"


def test_markdown_escape_disarms_links_and_emphasis():
    assert md_escape("[x](http://e) *b*") == r"\[x\]\(http://e\) \*b\*"


def test_csv_neutralises_text_in_string_and_category_columns():
    for dtype in ("string", "category"):
        frame = pd.DataFrame({"store_id": pd.Series(["=1+1", "S1"], dtype=dtype), "qty": [1, 2]})
        rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
        assert [r[0] for r in rows[1:]] == ["'=1+1", "S1"], dtype


def test_durations_and_money_read_as_a_planner_reads_them() -> None:
    from ui.format import fmt_duration, fmt_int, fmt_money

    assert fmt_duration(545.5) == "9 min 6 s"
    assert fmt_duration(3.24) == "3.2 s"
    assert fmt_duration(7300) == "2 h 2 min"
    assert fmt_duration(None) == "—"
    assert fmt_int(25501) == "25,501"
    assert fmt_money(1234567.8, "EUR") == "EUR 1,234,568"
    assert fmt_money(12.5, "USD", digits=2) == "USD 12.50"
    assert fmt_money(None, "USD") == "—"


def test_a_tab_that_showed_an_approval_decided_elsewhere_is_told_so() -> None:
    from ui.approvals import decided_elsewhere

    seen = {"id": 1, "kind": "order"}
    decided = [{"id": 1, "kind": "order", "status": "accepted", "decided": 210478.0, "decided_by": "ann"}]
    assert decided_elsewhere(seen, None, decided) == (
        "The manufacturing order was decided elsewhere by ann (accepted: 210,478 units) while this page showed it; "
        "nothing you did here was applied.")
    # still pending, decided in this tab, or nothing shown: nothing to say
    assert decided_elsewhere(seen, {"approval_id": 1, "kind": "order"}, decided) is None
    assert decided_elsewhere(seen, None, decided, decided_here={1}) is None
    assert decided_elsewhere(None, None, decided) is None
    md = [{"id": 2, "kind": "markdown", "status": "modified", "decided": 0.1, "decided_by": "bob"}]
    assert decided_elsewhere({"id": 2, "kind": "markdown"}, None, md).startswith(
        "The markdown was decided elsewhere by bob (modified: 10% off)")
