from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.allocation import allocate, last_year_window, reallocate_remaining
from core.domain.errors import PlannerError
from core.domain.models import ClusterInfo, ClusterResult, StoreState

CAT = "Women's Dresses"
START = date(2025, 2, 17)


def stores_frame(sizes: list[float], sales_12mo: list[float] | None = None) -> pd.DataFrame:
    n = len(sizes)
    return pd.DataFrame(
        {
            "store_id": [f"S{i + 1}" for i in range(n)],
            "avg_weekly_sales_12mo": sales_12mo or [10.0] * n,
            "store_size_sqft": sizes,
            "median_income": 50000,
            "location_tier": "A",
            "fashion_tier": "Premium",
            "store_format": "Mall",
            "region": "West",
        }
    )


def clusters_of(groups: dict[str, list[str]]) -> ClusterResult:
    return ClusterResult(
        clusters=[ClusterInfo(name=n, stores=s, avg_weekly_sales=0.0) for n, s in groups.items()],
        assignments={sid: n for n, s in groups.items() for sid in s},
        silhouette=0.0,
        features=[],
    )


def history_frame(rows: list[tuple[str, str, float]], category: str = CAT) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week_start": pd.to_datetime([r[1] for r in rows]),
            "store_id": [r[0] for r in rows],
            "category": category,
            "quantity": [float(r[2]) for r in rows],
            "revenue": float("nan"),
            "days": 7,
        }
    )


STORES = stores_frame([6000, 4000, 5000, 5000])
CLUSTERS = clusters_of({"Fashion_Forward": ["S1", "S2"], "Value_Conscious": ["S3", "S4"]})
# Season 2025-02-17, 2 weeks -> same weeks last year: Mondays 2024-02-19 and 2024-02-26.
HISTORY = history_frame(
    [
        ("S1", "2024-02-19", 200), ("S1", "2024-02-26", 100),
        ("S2", "2024-02-19", 100),
        ("S3", "2024-02-26", 60),
        ("S4", "2024-02-19", 40),
        ("S4", "2024-03-04", 1000),  # outside the window: ignored
    ]
)
# Another category's sales never count.
HISTORY = pd.concat([HISTORY, history_frame([("S3", "2024-02-19", 5000)], category="Men's Shirts")])


def test_last_year_window_keeps_mondays() -> None:
    assert last_year_window(START, 12) == (date(2024, 2, 19), date(2024, 5, 12))


def test_hierarchical_allocation_worked_by_hand() -> None:
    plan = allocate(1000, CLUSTERS, STORES, HISTORY, category=CAT, season_start=START, horizon_weeks=2,
                    dc_holdback=0.45, basis="last_year")
    assert plan.share_basis == "same weeks last year (2024-02-19..2024-03-03)"
    # cluster sales: FF = 300 + 100 = 400, VC = 60 + 40 = 100 -> shares 0.8 / 0.2 -> 800 / 200 units
    assert [(c.name, c.stores, c.share, c.units) for c in plan.clusters] == [
        ("Fashion_Forward", 2, 0.8, 800),
        ("Value_Conscious", 2, 0.2, 200),
    ]
    # FF: sales shares 0.75/0.25, space 6000/10000 = 0.6/0.4
    #   S1 = 0.7*0.75 + 0.3*0.6 = 0.705 -> 564; S2 = 0.7*0.25 + 0.3*0.4 = 0.295 -> 236
    # VC: sales shares 0.6/0.4, space 0.5/0.5
    #   S3 = 0.42 + 0.15 = 0.57 -> 114; S4 = 0.28 + 0.15 = 0.43 -> 86
    assert [s.season_total for s in plan.stores] == [564, 236, 114, 86]
    # initial = 1000 * 0.55 = 550 split by season total:
    #   quotas 310.2, 129.8, 62.7, 47.3 -> floors 310, 129, 62, 47 (548) -> +1 to .8 (S2) and .7 (S3)
    assert [s.initial for s in plan.stores] == [310, 130, 63, 47]
    assert [s.dc_reserve for s in plan.stores] == [254, 106, 51, 39]
    assert plan.dc_on_hand == 450
    assert [s.cluster for s in plan.stores] == [
        "Fashion_Forward", "Fashion_Forward", "Value_Conscious", "Value_Conscious",
    ]


def test_every_level_rounds_by_largest_remainder() -> None:
    plan = allocate(999, CLUSTERS, STORES, HISTORY, category=CAT, season_start=START, horizon_weeks=2,
                    dc_holdback=0.45, basis="last_year")
    # clusters: 999 * 0.8 = 799.2, 999 * 0.2 = 199.8 -> floors 799 + 199 = 998 -> VC (.8) gets the unit
    assert [c.units for c in plan.clusters] == [799, 200]
    # FF: 799 * 0.705 = 563.295, 799 * 0.295 = 235.705 -> 563 + 235 = 798 -> S2 (.705) gets the unit
    # VC: 200 * 0.57 = 114, 200 * 0.43 = 86
    assert [s.season_total for s in plan.stores] == [563, 236, 114, 86]
    # initial total = round(999 * 0.55 = 549.45) = 549; quotas 563*549/999 = 309.396,
    # 236*549/999 = 129.694, 114*549/999 = 62.649, 86*549/999 = 47.261 -> 309+129+62+47 = 547
    # -> +1 to S2 (.694) and S3 (.649)
    assert [s.initial for s in plan.stores] == [309, 130, 63, 47]
    assert plan.dc_on_hand == 999 - 549


def test_share_basis_falls_back_to_all_history_then_to_store_figures() -> None:
    old = history_frame([
        ("S1", "2023-06-05", 30), ("S2", "2023-06-05", 10), ("S3", "2023-06-05", 10), ("S4", "2023-06-05", 0),
    ])
    plan = allocate(100, CLUSTERS, STORES, old, category=CAT, season_start=START, horizon_weeks=2,
                    dc_holdback=0.0, basis="last_year")
    assert plan.share_basis == "all history (no category sales in the same weeks last year)"
    # FF 40 / VC 10 -> 80 / 20; holdback 0 -> everything ships at launch
    assert [c.units for c in plan.clusters] == [80, 20]
    assert all(s.initial == s.season_total and s.dc_reserve == 0 for s in plan.stores)

    stores = stores_frame([5000, 5000, 5000, 5000], sales_12mo=[30, 10, 5, 5])
    plan = allocate(100, CLUSTERS, stores, old.iloc[0:0], category=CAT, season_start=START, horizon_weeks=2,
                    dc_holdback=0.2, basis="last_year")
    assert plan.share_basis == "avg_weekly_sales_12mo (no history for \"Women's Dresses\")"
    # FF 40 / VC 10 of 50 -> 80 / 20; FF stores: 0.7*0.75 + 0.3*0.5 = 0.675 -> 54, 0.325 -> 26
    assert [s.season_total for s in plan.stores] == [54, 26, 10, 10]
    assert [s.initial for s in plan.stores] == [43, 21, 8, 8]  # 80 split: 43.2, 20.8, 8, 8 -> 43, 21, 8, 8


def test_bad_input_is_rejected() -> None:
    with pytest.raises(PlannerError) as err:
        allocate(-3, clusters_of({"A": ["S1"], "B": ["S2"]}), STORES, HISTORY, category=CAT,
                 season_start=START, horizon_weeks=2, dc_holdback=0.95, basis="last_year")
    assert err.value.messages == [
        "order_qty = -3 must be a whole number >= 0",
        "dc_holdback = 0.95 is out of range: allowed [0, 0.9]",
        "stores without a cluster: S3, S4",
    ]


@settings(max_examples=150, deadline=None)
@given(
    order=st.integers(min_value=0, max_value=200_000),
    holdback=st.floats(min_value=0.0, max_value=0.9),
    data=st.data(),
)
def test_allocation_never_creates_or_loses_a_unit(order: int, holdback: float, data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=25), label="stores")
    sizes = data.draw(st.lists(st.floats(min_value=0, max_value=50_000), min_size=n, max_size=n), label="sizes")
    sales = data.draw(st.lists(st.floats(min_value=0, max_value=5_000), min_size=n, max_size=n), label="sales")
    k = data.draw(st.integers(min_value=1, max_value=min(n, 5)), label="k")
    labels = [i % k for i in range(n)]  # every cluster has at least one store
    labels = data.draw(st.permutations(labels), label="labels")
    stores = stores_frame(sizes)
    groups: dict[str, list[str]] = {}
    for sid, lab in zip(stores["store_id"], labels):
        groups.setdefault(f"C{lab}", []).append(sid)
    history = history_frame([(sid, "2024-02-19", q) for sid, q in zip(stores["store_id"], sales)])
    plan = allocate(order, clusters_of(groups), stores, history, category=CAT, season_start=START,
                    horizon_weeks=2, dc_holdback=holdback)
    assert sum(s.season_total for s in plan.stores) == order
    assert sum(c.units for c in plan.clusters) == order
    for c in plan.clusters:
        assert sum(s.season_total for s in plan.stores if s.cluster == c.name) == c.units
    for s in plan.stores:
        assert s.initial + s.dc_reserve == s.season_total
        assert s.initial >= 0 and s.dc_reserve >= 0
    assert sum(s.initial for s in plan.stores) == int(order * (1 - holdback) + 0.5 + 1e-9)


def test_reallocation_moves_unshipped_stock_to_stores_behind_their_new_target() -> None:
    plan = allocate(1000, CLUSTERS, STORES, HISTORY, category=CAT, season_start=START, horizon_weeks=2,
                    dc_holdback=0.45, basis="last_year")
    states = [
        StoreState(store_id="S1", season_total=564, shipped=400, sold=380),
        StoreState(store_id="S2", season_total=236, shipped=130, sold=130),
        StoreState(store_id="S3", season_total=114, shipped=100, sold=40),
        StoreState(store_id="S4", season_total=86, shipped=47, sold=47),
    ]
    new = reallocate_remaining(plan, states, {"S1": 100, "S2": 300, "S3": 50, "S4": 50})
    # shipped 677 -> pool 323; targets 1000 x (0.2, 0.6, 0.1, 0.1) = 200, 600, 100, 100
    # gaps max(0, target - shipped) = 0, 470, 0, 53 -> 323*470/523 = 290.27, 323*53/523 = 32.73
    # floors 290 + 32 = 322 -> last unit to S4 (.73)
    assert [s.season_total for s in new.stores] == [400, 420, 100, 80]
    assert [s.initial for s in new.stores] == [310, 130, 63, 47]
    assert [s.dc_reserve for s in new.stores] == [90, 290, 37, 33]
    assert [(c.name, c.units, c.share) for c in new.clusters] == [
        ("Fashion_Forward", 820, 0.82), ("Value_Conscious", 180, 0.18),
    ]
    with pytest.raises(PlannerError, match="more than the order of 1000"):
        reallocate_remaining(plan, [StoreState(store_id="S1", season_total=564, shipped=1001, sold=0)], {})


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_reallocation_conserves_units_and_never_goes_below_shipped(data: st.DataObject) -> None:
    order = data.draw(st.integers(min_value=0, max_value=50_000))
    plan = allocate(order, CLUSTERS, STORES, HISTORY, category=CAT, season_start=START, horizon_weeks=2,
                    dc_holdback=0.45, basis="last_year")
    states = []
    for s in plan.stores:
        shipped = data.draw(st.integers(min_value=s.initial, max_value=s.season_total))
        states.append(StoreState(store_id=s.store_id, season_total=s.season_total, shipped=shipped, sold=0))
    demand = {s.store_id: data.draw(st.floats(min_value=0, max_value=1e4)) for s in plan.stores}
    new = reallocate_remaining(plan, states, demand)
    assert sum(s.season_total for s in new.stores) == order
    for s, st_ in zip(new.stores, states):
        assert s.season_total >= st_.shipped
        assert s.initial + s.dc_reserve == s.season_total
