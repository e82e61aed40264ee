"""Initial store shares from recent sales (docs/planning-rules.md §6.4)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from core.domain.allocation import RECENT_WEEKS, allocate, recent_store_sales
from tests.domain.test_allocation import CAT, clusters_of, history_frame, stores_frame

START = date(2025, 2, 17)
CLUSTERS = clusters_of({"A": ["S1", "S2"], "B": ["S3", "S4"]})


def weeks_back(k: int) -> str:
    return (START - timedelta(weeks=k)).isoformat()


def test_shares_follow_the_last_weeks_sales_not_last_year_or_floor_space() -> None:
    stores = stores_frame([1000, 1000, 1000, 9000])
    history = history_frame([("S1", weeks_back(1), 300), ("S2", weeks_back(2), 100), ("S3", weeks_back(3), 100),
                             ("S4", weeks_back(4), 500),
                             ("S2", weeks_back(RECENT_WEEKS + 2), 10_000)])  # older than the window
    plan = allocate(1000, CLUSTERS, stores, history, category=CAT, season_start=START, horizon_weeks=12,
                    dc_holdback=0.0)
    assert [s.season_total for s in plan.stores] == [300, 100, 100, 500]
    assert [c.units for c in plan.clusters] == [400, 600]
    assert plan.share_basis == f"last {RECENT_WEEKS} weeks' sales"


def test_a_store_without_history_gets_the_sales_of_its_floor_space() -> None:
    stores = stores_frame([1000, 2000, 1000, 3000])
    history = history_frame([("S1", weeks_back(1), 100), ("S2", weeks_back(1), 200), ("S3", weeks_back(1), 100)])
    sales, label = recent_store_sales(stores, history, category=CAT, season_start=START)
    assert list(sales) == [100, 200, 100, 300]  # 0.1 units per sq ft, the median of the others
    assert "floor space for 1 stores without history" in label


def test_every_unit_is_allocated_and_the_seed_rule_stays_available() -> None:
    stores = stores_frame([1000, 1000, 1000, 1000])
    history = history_frame([(f"S{i}", weeks_back(1), 10 * i) for i in range(1, 5)])
    for basis in ("recent", "last_year"):
        plan = allocate(997, CLUSTERS, stores, history, category=CAT, season_start=START, horizon_weeks=2,
                        dc_holdback=0.1, basis=basis)
        assert sum(s.season_total for s in plan.stores) == 997
        assert sum(s.initial for s in plan.stores) + plan.dc_on_hand == 997
    empty = allocate(8, CLUSTERS, stores, pd.DataFrame(columns=history.columns), category=CAT,
                     season_start=START, horizon_weeks=2, dc_holdback=0.0)
    assert [s.season_total for s in empty.stores] == [2, 2, 2, 2]  # avg_weekly_sales_12mo, all equal
