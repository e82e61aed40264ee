from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.demo import CATEGORIES, SCENARIOS, SHOCK_WEEK, generate_demo
from core.domain.ingest import STORE_ENUMS


@pytest.fixture(scope="module")
def demo():
    return generate_demo()


@pytest.fixture(scope="module")
def unshocked():
    return generate_demo(shocks=False)


def test_same_seed_same_data_other_seed_other_data(demo):
    again = generate_demo()
    pd.testing.assert_frame_equal(demo.history, again.history)
    pd.testing.assert_frame_equal(demo.stores, again.stores)
    for name in SCENARIOS:
        pd.testing.assert_frame_equal(demo.actuals[name], again.actuals[name])
    other = generate_demo(seed=7)
    assert not demo.history["quantity_sold"].equals(other.history["quantity_sold"])


@pytest.mark.parametrize("n_stores", [4, 50])
def test_every_enum_value_is_used(n_stores):
    stores = generate_demo(n_stores=n_stores).stores
    for column, allowed in STORE_ENUMS.items():
        assert set(stores[column]) == set(allowed), column


def test_store_ids_and_history_shape(demo):
    assert demo.stores["store_id"].tolist() == [f"S{i:03d}" for i in range(1, 51)]
    days = (date(2025, 12, 31) - date(2023, 1, 1)).days + 1
    assert len(demo.history) == days * 50 * 3
    assert demo.history["date"].min() == pd.Timestamp("2023-01-01")
    assert demo.history["date"].max() == pd.Timestamp("2025-12-31")
    assert (demo.history["quantity_sold"] >= 0).all()


def test_avg_weekly_sales_is_the_last_52_weeks_of_history(demo):
    history = demo.history
    last = history[history["date"] > history["date"].max() - pd.Timedelta(days=364)]
    expected = (last.groupby("store_id")["quantity_sold"].sum() / 52).round().astype(int)
    got = demo.stores.set_index("store_id")["avg_weekly_sales_12mo"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_revenue_is_quantity_times_a_category_price(demo):
    h = demo.history[demo.history["quantity_sold"] > 0]
    unit = h["revenue"] / h["quantity_sold"]
    by_cat = unit.groupby(h["category"]).median()
    assert by_cat["Accessories"] < by_cat["Men's Shirts"] < by_cat["Women's Dresses"]
    assert (unit.groupby(h["category"]).max() / unit.groupby(h["category"]).min()).max() < 1.4


def test_dresses_peak_in_spring_and_summer_and_accessories_at_christmas(demo):
    h = demo.history.assign(month=demo.history["date"].dt.month)
    monthly = h.groupby(["category", "month"])["quantity_sold"].sum()
    dresses = monthly["Women's Dresses"]
    assert dresses.loc[[5, 6, 7]].mean() > 1.4 * dresses.loc[[11, 1, 2]].mean()
    accessories = monthly["Accessories"]
    assert accessories.idxmax() == 12
    daily = h[h["category"] == "Accessories"].groupby("date")["quantity_sold"].sum()
    assert daily[pd.Timestamp("2024-11-29")] > 1.4 * daily[pd.Timestamp("2024-11-15")]  # Black Friday


def test_history_grows_year_on_year(demo):
    yearly = demo.history.groupby(demo.history["date"].dt.year)["quantity_sold"].sum()
    assert yearly[2023] < yearly[2024] < yearly[2025]


def test_week_5_shock_is_over_20_percent_and_only_in_week_5(demo, unshocked):
    for name, scenario in SCENARIOS.items():
        shocked = demo.actuals[name].groupby("week")["quantity_sold"].sum()
        plain = unshocked.actuals[name].groupby("week")["quantity_sold"].sum()
        ratio = shocked[SHOCK_WEEK] / plain[SHOCK_WEEK]
        assert abs(ratio - 1) > 0.20, name
        assert np.sign(ratio - 1) == np.sign(scenario.shock - 1)
        others = [w for w in shocked.index if w != SHOCK_WEEK]
        assert shocked[others].tolist() == plain[others].tolist()


def test_scenario_levels(demo):
    totals = {
        name: frame[frame["week"] != SHOCK_WEEK]["quantity_sold"].sum() for name, frame in demo.actuals.items()
    }
    assert 1.15 < totals["high"] / totals["normal"] < 1.25
    assert 0.75 < totals["low"] / totals["normal"] < 0.85


def test_actuals_cover_twelve_monday_weeks_for_every_category(demo):
    frame = demo.actuals["normal"]
    assert frame["date"].min() == pd.Timestamp("2026-02-23")
    assert frame["date"].max() == pd.Timestamp("2026-05-17")
    week_of_date = (frame["date"] - pd.Timestamp("2026-02-23")).dt.days // 7 + 1
    assert (week_of_date == frame["week"]).all()
    assert set(frame["category"]) == set(CATEGORIES)
    assert len(frame) == 12 * 7 * 50 * 3


def test_too_few_stores_is_refused():
    with pytest.raises(ValueError, match="at least 4 stores"):
        generate_demo(n_stores=3)
