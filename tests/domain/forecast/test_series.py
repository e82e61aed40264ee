from __future__ import annotations

import pandas as pd
import pytest

from core.domain.forecast import category_weekly_series


def frame(rows: list[tuple[str, str, str, float, int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["week_start", "store_id", "category", "quantity", "days"])
    df["week_start"] = pd.to_datetime(df["week_start"])
    df["revenue"] = float("nan")
    return df


def test_sums_stores_and_drops_partial_edge_weeks() -> None:
    rows = [
        ("2024-01-01", "S1", "Dresses", 30.0, 3),  # partial first week
        ("2024-01-08", "S1", "Dresses", 70.0, 7),
        ("2024-01-08", "S2", "Dresses", 30.0, 7),
        ("2024-01-08", "S1", "Shirts", 999.0, 7),
        ("2024-01-15", "S1", "Dresses", 50.0, 7),
        ("2024-01-22", "S1", "Dresses", 10.0, 2),  # partial last week
    ]
    ws = category_weekly_series(frame(rows), "Dresses")
    assert list(ws.values.index) == [pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-15")]
    assert list(ws.values) == [100.0, 50.0]
    assert any("dropped 2 partial edge week" in w and "2024-01-01" in w and "2024-01-22" in w for w in ws.warnings)


def test_missing_inner_week_is_interpolated_and_reported() -> None:
    rows = [("2024-01-01", "S1", "D", 100.0, 7), ("2024-01-15", "S1", "D", 200.0, 7),
            ("2024-01-22", "S1", "D", 50.0, 7)]
    ws = category_weekly_series(frame(rows), "D")
    assert ws.values.loc["2024-01-08"] == 150.0
    assert len(ws.values) == 4
    assert any("1 week(s) without any sales rows" in w and "2024-01-08" in w for w in ws.warnings)


def test_negative_quantities_are_clipped_with_a_warning() -> None:
    rows = [("2024-01-01", "S1", "D", 100.0, 7), ("2024-01-01", "S2", "D", -40.0, 7),
            ("2024-01-08", "S1", "D", 80.0, 7)]
    ws = category_weekly_series(frame(rows), "D")
    assert list(ws.values) == [100.0, 80.0]
    assert any("1 negative quantities clipped" in w for w in ws.warnings)


def test_unknown_category_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="'Hats' has no history rows: known categories are D"):
        category_weekly_series(frame([("2024-01-01", "S1", "D", 1.0, 7)]), "Hats")
