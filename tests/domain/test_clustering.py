from __future__ import annotations

import pandas as pd
import pytest

from core.domain.clustering import (
    FEATURES,
    cluster_names,
    cluster_stores,
    encode_store_attributes,
    store_weekly_sales,
)
from core.domain.errors import PlannerError

CAT = "Women's Dresses"


def stores_frame(sales: list[float], **overrides: list) -> pd.DataFrame:
    n = len(sales)
    data = {
        "store_id": [f"S{i + 1:03d}" for i in range(n)],
        "avg_weekly_sales_12mo": sales,
        "store_size_sqft": [10000] * n,
        "median_income": [60000] * n,
        "location_tier": ["B"] * n,
        "fashion_tier": ["Mainstream"] * n,
        "store_format": ["Mall"] * n,
        "region": ["West"] * n,
    }
    data.update(overrides)
    return pd.DataFrame(data)


def history_frame(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week_start": pd.to_datetime([r[1] for r in rows]),
            "store_id": [r[0] for r in rows],
            "category": CAT,
            "quantity": [r[2] for r in rows],
            "revenue": float("nan"),
            "days": [r[3] for r in rows],
        }
    )


def test_enum_encodings_follow_the_spec() -> None:
    frame = stores_frame(
        [1, 1, 1, 1],
        location_tier=["A", "B", "C", "a"],
        fashion_tier=["Premium", "Mainstream", "Value", " value "],
        store_format=["Mall", "Standalone", "ShoppingCenter", "Outlet"],
        region=["Northeast", "Southeast", "Midwest", "West"],
    )
    coded = encode_store_attributes(frame)
    assert coded["location_tier"].tolist() == [3, 2, 1, 3]
    assert coded["fashion_tier"].tolist() == [3, 2, 1, 1]
    assert coded["store_format"].tolist() == [4, 3, 2, 1]
    assert coded["region"].tolist() == [1, 2, 3, 4]


def test_unknown_enum_values_are_rejected_with_the_allowed_ones() -> None:
    frame = stores_frame([1, 2], store_format=["Mall", "Kiosk"], region=["Mars", "West"])
    with pytest.raises(PlannerError) as err:
        cluster_stores(frame, None, CAT, 2)
    messages = err.value.messages
    assert (
        "stores: store S002, column 'store_format': unknown value 'Kiosk'; "
        "allowed: Mall, Standalone, ShoppingCenter, Outlet"
        in messages
    )
    assert (
        "stores: store S001, column 'region': unknown value 'Mars'; allowed: Northeast, Southeast, Midwest, West"
        in messages
    )


def test_weekly_sales_come_from_category_history_with_a_scaled_fallback() -> None:
    frame = stores_frame([35, 70, 50])
    history = history_frame(
        [
            ("S001", "2024-01-01", 70, 7),
            ("S001", "2024-01-08", 30, 3),  # partial week: 3 days
            ("S002", "2024-01-01", 140, 7),
        ]
    )
    sales, basis = store_weekly_sales(frame, history, CAT)
    # S001: 7 x (70 + 30) / (7 + 3) = 70; S002: 7 x 140 / 7 = 140;
    # S003 has no history: ratios 70/35 = 2 and 140/70 = 2, median 2 -> 50 x 2 = 100
    assert sales.tolist() == [70.0, 140.0, 100.0]
    assert "1 store(s) without history use avg_weekly_sales_12mo x 2.000" in basis
    # no history for the category -> the 12-month figure as it is
    sales, basis = store_weekly_sales(frame, history.assign(category="Men's Shirts"), CAT)
    assert sales.tolist() == [35.0, 70.0, 50.0]
    assert basis == 'avg_weekly_sales_12mo (no history for "Women\'s Dresses")'


def test_names_ranked_by_average_sales() -> None:
    assert cluster_names(2) == ["Fashion_Forward", "Value_Conscious"]
    assert cluster_names(3) == ["Fashion_Forward", "Mainstream", "Value_Conscious"]
    assert cluster_names(5) == ["Fashion_Forward", "Mainstream_1", "Mainstream_2", "Mainstream_3", "Value_Conscious"]


def test_three_clear_groups_are_found_named_and_profiled() -> None:
    # Only sales differ; pairs are identical, so every point sits on its centre:
    # a = 0 and b > 0 for every store -> silhouette exactly 1.
    frame = stores_frame([20, 100, 20, 300, 100, 300])
    result = cluster_stores(frame, None, CAT, 3)
    assert [c.name for c in result.clusters] == ["Fashion_Forward", "Mainstream", "Value_Conscious"]
    assert [c.stores for c in result.clusters] == [["S004", "S006"], ["S002", "S005"], ["S001", "S003"]]
    assert [c.avg_weekly_sales for c in result.clusters] == [300.0, 100.0, 20.0]
    assert result.silhouette == 1.0
    assert result.features == FEATURES
    assert result.assignments["S004"] == "Fashion_Forward"
    assert result.clusters[2].profile == {
        "avg_weekly_sales": 20.0,
        "store_size_sqft": 10000.0,
        "median_income": 60000.0,
        "location_tier": 2.0,  # B
        "fashion_tier": 2.0,  # Mainstream
        "store_format": 4.0,  # Mall
        "region": 4.0,  # West
    }
    assert result.sales_basis == "avg_weekly_sales_12mo (no history)"


def test_silhouette_worked_by_hand() -> None:
    # One varying feature: sales 100, 110, 200 -> clusters {100, 110} and {200}.
    # Scaling one axis does not change silhouette ratios:
    # s(100) = 1 - 10/100 = 0.9; s(110) = 1 - 10/90 = 8/9; s(200) = 0 (singleton)
    # mean = (0.9 + 0.888889 + 0) / 3 = 0.596296
    result = cluster_stores(stores_frame([100, 110, 200]), None, CAT, 2)
    assert result.silhouette == pytest.approx(0.596296, abs=1e-6)
    assert [c.stores for c in result.clusters] == [["S003"], ["S001", "S002"]]


def test_same_seed_same_clusters_and_too_few_distinct_stores() -> None:
    frame = stores_frame(
        [float(x) for x in range(10, 410, 10)],
        median_income=[40000 + 1000 * (i % 7) for i in range(40)],
        location_tier=["A", "B", "C", "B"] * 10,
    )
    a = cluster_stores(frame, None, CAT, 4, seed=7)
    b = cluster_stores(frame, None, CAT, 4, seed=7)
    assert a == b
    with pytest.raises(
        PlannerError, match="n_clusters = 3 needs at least 3 stores with different attributes; found 2 of 4"
    ):
        cluster_stores(stores_frame([5, 5, 9, 9]), None, CAT, 3)
    with pytest.raises(PlannerError, match=r"n_clusters = 9 is out of range: allowed \[2, 8\]"):
        cluster_stores(frame, None, CAT, 9)
