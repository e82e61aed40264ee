"""Season simulator: units are conserved, sales are censored by stock, unlimited stock sells the demand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.forecast import markdown_multiplier
from core.domain.simulation import METRICS, monte_carlo_demand, path_metrics, simulate, weekly_paths


def check_invariants(run) -> None:
    """Order = sold + leftover (stores and DC) per store and in total; never sold above stock on hand."""
    setup = run.setup
    season_totals = np.array([s.season_total for s in setup.allocation.stores])
    assert season_totals.sum() == setup.order_qty
    received = run.received
    assert (received >= 0).all() and (run.sold >= 0).all()
    on_hand_before = np.cumsum(received, axis=2) - np.concatenate(
        [np.zeros_like(run.sold[:, :, :1]), np.cumsum(run.sold, axis=2)[:, :, :-1]], axis=2)
    assert (run.sold <= on_hand_before).all(), "sold above stock on hand"
    assert (run.sold <= run.demand).all()
    store_left = received.sum(axis=2) - run.sold.sum(axis=2)  # per path and store
    assert (store_left >= 0).all()
    # every unit made is sold, on a store's shelf or at the DC
    assert ((run.sold.sum(axis=(1, 2)) + store_left.sum(axis=1) + run.dc_end) == setup.order_qty).all()
    assert (run.dc_end >= 0).all()
    m = path_metrics(run)
    assert np.allclose(m["sold"] + m["leftover"], setup.order_qty)
    assert np.allclose(m["leftover"], m["leftover_stores"] + m["leftover_dc"])
    assert np.allclose(m["lost_sales"], (run.demand - run.sold).sum(axis=(1, 2)))


def test_conservation_on_monte_carlo_paths(small) -> None:
    setup = small.setup()
    demand = monte_carlo_demand(small.forecast, small.weights(setup), 40, seed=3)
    run = simulate(setup, demand * 1.3)  # demand above the order: censoring, stockouts, lost sales
    check_invariants(run)
    m = path_metrics(run, unit_cost=20.0)
    assert (m["lost_sales"] > 0).any() and (m["stockout_store_weeks"] > 0).any()
    assert set(METRICS) <= set(m)


def test_unlimited_stock_sells_the_demand(small) -> None:
    setup = small.setup(order_qty=10_000_000, markdown_week=None, replenishment="none")
    demand = monte_carlo_demand(small.forecast, small.weights(setup), 10, seed=1)
    run = simulate(setup, demand)
    assert (run.sold == demand).all()
    m = path_metrics(run)
    assert (m["lost_sales"] == 0).all() and (m["stockout_store_weeks"] == 0).all()
    assert np.array_equal(m["sold"], demand.sum(axis=(1, 2)).astype(float))


def test_unlimited_stock_with_a_markdown_sells_the_lifted_demand(small) -> None:
    setup = small.setup(order_qty=10_000_000, dc_holdback=0.0, markdown_week=3, markdown_depth=0.2)
    demand = np.full((1, len(setup.store_ids), 6), 100)
    run = simulate(setup, demand)
    # 10 million units: sell-through at week 3 is far below the target, so a markdown is proposed; the set fixes 20%.
    assert run.proposed_depth[0] > 0 and run.markdown_depth[0] == 0.2
    lifted = np.floor(100 * markdown_multiplier(0.2, setup.pset.parameters.price_elasticity) + 0.5)  # 148 at 1.76
    assert (run.sold[0, :, :3] == 100).all() and (run.sold[0, :, 3:] == lifted).all()
    m = path_metrics(run, unit_cost=10.0)
    md_units = lifted * 3 * len(setup.store_ids)
    assert m["markdown_units"][0] == md_units
    assert m["markdown_cost"][0] == pytest.approx(md_units * small.price * 0.2, abs=0.01)
    assert m["revenue"][0] == pytest.approx(m["sold"][0] * small.price - md_units * small.price * 0.2, abs=0.02)
    assert m["margin"][0] == pytest.approx(m["revenue"][0] - 10.0 * m["sold"][0], abs=0.02)


def test_no_stock_sells_nothing_and_loses_everything(small) -> None:
    setup = small.setup(order_qty=1, replenishment="none", markdown_week=None)
    demand = np.full((2, len(setup.store_ids), 6), 7)
    run = simulate(setup, demand)
    check_invariants(run)
    assert run.sold.sum(axis=(1, 2)).tolist() == [1, 1]
    assert path_metrics(run)["lost_sales"].tolist() == [demand[0].sum() - 1] * 2


def test_weekly_paths_add_up(small) -> None:
    setup = small.setup()
    run = simulate(setup, monte_carlo_demand(small.forecast, small.weights(setup), 5, seed=9))
    w = weekly_paths(run)
    assert np.allclose(w["sold"].sum(axis=1), run.sold.sum(axis=(1, 2)))
    assert np.allclose(w["demand"] - w["sold"], w["lost_sales"])
    # after the last week: what the stores hold plus what the DC holds is what was not sold
    assert np.allclose(w["store_stock"][:, -1] + w["dc_stock"][:, -1], setup.order_qty - w["sold"].sum(axis=1))


def test_rejects_demand_of_the_wrong_shape(small) -> None:
    setup = small.setup()
    with pytest.raises(ValueError, match="expected"):
        simulate(setup, np.zeros((2, 3, 6)))


SETS = st.fixed_dictionaries({
    "replenishment": st.sampled_from(["none", "weekly", "bi-weekly"]),
    "holdback": st.sampled_from([0.0, 0.2, 0.45, 0.9]),
    "safety_stock": st.sampled_from([0.0, 0.1, 0.25, 1.0]),
    "markdown_week": st.sampled_from([None, 1, 3, 6]),
    "variance_threshold": st.sampled_from([0.05, 0.2, 0.5]),
    "markdown_depth": st.sampled_from([None, 0.0, 0.15, 0.4]),
})
SHAPES = st.fixed_dictionaries({
    "scale": st.sampled_from([0.0, 0.3, 1.0, 1.6, 3.0]),
    "weekly": st.lists(st.floats(0.0, 2.0), min_size=6, max_size=6),
    "zero_store": st.integers(-1, 5),
    "seed": st.integers(0, 10_000),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(s=SETS, shape=SHAPES)
def test_invariants_hold_for_any_parameter_set_and_demand_shape(small, s, shape) -> None:
    over = {"replenishment": s["replenishment"], "safety_stock": s["safety_stock"],
            "markdown_week": s["markdown_week"], "variance_threshold": s["variance_threshold"],
            "emergency_threshold": s["variance_threshold"] + 0.1,
            "dc_holdback": 0.0 if s["replenishment"] == "none" else s["holdback"]}
    if s["markdown_depth"] is not None:
        over["markdown_depth"] = s["markdown_depth"]
    setup = small.setup(**over)
    rng = np.random.default_rng(shape["seed"])
    base = np.array([w.plan for w in small.forecast.weeks]) * np.array(shape["weekly"]) * shape["scale"]
    weights = small.weights(setup)
    demand = rng.poisson(base[None, None, :] * (weights / weights.sum())[None, :, None], size=(3, len(weights), 6))
    if shape["zero_store"] >= 0:
        demand[:, shape["zero_store"], :] = 0
    run = simulate(setup, demand)
    check_invariants(run)
    if s["markdown_depth"] is not None:
        assert set(run.markdown_depth.tolist()) <= {0.0, s["markdown_depth"]}
    if s["markdown_week"] is None:
        assert (run.markdown_depth == 0).all() and (run.sold <= demand).all()


@pytest.mark.parametrize("seed", range(12))
def test_reallocation_on_arrays_gives_reallocate_remainings_totals(small, seed: int) -> None:
    """The week rule's array re-allocation equals reallocate_remaining on the per-store demand."""
    from core.domain.allocation import reallocate_remaining, reallocated_totals
    from core.domain.models import StoreState
    from core.domain.season_week import store_demand

    setup = small.setup()
    plan = setup.allocation
    rng = np.random.default_rng(seed)
    totals = np.array([s.season_total for s in plan.stores], dtype=np.int64)
    shipped = np.array([s.initial for s in plan.stores], dtype=np.int64) + rng.integers(0, 3, len(totals))
    shipped = np.minimum(shipped, totals)
    sold = rng.integers(0, 40, len(totals)) * (seed % 3 != 0)  # every third case: nothing sold yet
    week = int(rng.integers(1, len(setup.forecast.weeks)))
    rest_plan = float(sum(w.plan for w in setup.forecast.weeks[week:]))
    fast = reallocated_totals(plan.order_qty, shipped, store_demand(totals, sold, rest_plan), totals)

    states = [StoreState(store_id=s.store_id, season_total=int(t), shipped=int(h), sold=int(d))
              for s, t, h, d in zip(plan.stores, totals, shipped, sold)]
    rest = float(sum(w.plan for w in setup.forecast.weeks[week:]))
    sold_total = sum(s.sold for s in states)
    weights = ([s.sold / sold_total for s in states] if sold_total else
               [s.season_total / (sum(x.season_total for x in states) or 1) for s in states])
    demand = {s.store_id: s.sold + rest * w for s, w in zip(states, weights)}
    slow = reallocate_remaining(plan, states, demand)
    assert fast.tolist() == [s.season_total for s in slow.stores]
    assert int(fast.sum()) == plan.order_qty
