"""Demand behind stockouts on a censored simulated season whose true demand is known."""

from __future__ import annotations

import numpy as np
import pytest

from core.domain.forecast.stockouts import estimate_lost_sales, stocked_out


def _censored_season(seed: int = 11, stores: int = 30, weeks: int = 12):
    """True demand per store-week; each store gets one shipment in week 1 that some stores run through."""
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(stores, 4.0))
    chain = 3000.0 * np.linspace(0.6, 1.6, weeks)  # demand builds through the season
    demand = rng.poisson(shares[:, None] * chain[None, :]).astype(float)
    # Shipments: most stores get ~enough, a third clearly too little (they run out around mid-season).
    cover = np.where(rng.random(stores) < 0.35, rng.uniform(0.4, 0.7, stores), rng.uniform(1.05, 1.3, stores))
    received = np.zeros((stores, weeks))
    received[:, 0] = np.round(demand.sum(axis=1) * cover)
    sold = np.zeros_like(demand)
    on_hand = received[:, 0].copy()
    for w in range(weeks):
        sold[:, w] = np.minimum(demand[:, w], on_hand)
        on_hand -= sold[:, w]
    return demand, sold, received


def test_lost_demand_of_a_censored_season_is_recovered() -> None:
    demand, sold, received = _censored_season()
    true_lost = float((demand - sold).sum())
    assert true_lost > 0.1 * demand.sum()  # a real stockout problem
    est = estimate_lost_sales(sold, received=received)
    assert est.censored.sum() > 0
    # Total lost sales within 10% of the truth; each week's category demand within 5%.
    assert est.lost_sales_estimated == pytest.approx(true_lost, rel=0.10)
    assert est.weekly_demand == pytest.approx(demand.sum(axis=0), rel=0.05)
    # Never below what was sold, and in-stock weeks are left exactly as sold.
    assert (est.demand >= sold - 1e-9).all()
    assert np.array_equal(est.demand[~est.censored], sold[~est.censored])
    # Far better than the store's own in-stock mean (the report's older estimate), which misses that
    # the weeks it ran out in were the busier ones.
    counts = (~est.censored).sum(axis=1)
    own_mean = np.where(counts > 0, (sold * ~est.censored).sum(axis=1) / np.maximum(counts, 1), 0.0)
    naive = float((np.clip(own_mean[:, None] - sold, 0, None) * est.censored).sum())
    assert abs(est.lost_sales_estimated - true_lost) < 0.5 * abs(naive - true_lost)


def test_no_stockout_means_no_lost_sales() -> None:
    demand, _, _ = _censored_season()
    plenty = np.zeros_like(demand)
    plenty[:, 0] = demand.sum(axis=1) + 10
    est = estimate_lost_sales(demand, received=plenty)
    assert not est.censored.any() and est.lost_sales_estimated == 0.0
    assert est.shares.sum() == pytest.approx(1.0)


def test_a_week_every_store_ran_out_uses_the_plan() -> None:
    sold = np.array([[10.0, 5.0], [30.0, 15.0]])
    censored = np.array([[False, True], [False, True]])
    with_plan = estimate_lost_sales(sold, censored=censored, plan=[40.0, 60.0])
    assert with_plan.weekly_demand == pytest.approx([40.0, 60.0])
    assert with_plan.demand[:, 1] == pytest.approx([15.0, 45.0])  # the plan split by the stores' shares
    without = estimate_lost_sales(sold, censored=censored)
    assert without.lost_sales_estimated == 0.0  # nothing tells how much more was asked for


def test_stocked_out_is_on_hand_zero_at_week_end_and_inputs_are_checked() -> None:
    sold = np.array([[5.0, 5.0, 0.0]])
    received = np.array([[10.0, 0.0, 0.0]])
    assert stocked_out(sold, received).tolist() == [[False, True, True]]
    with pytest.raises(ValueError, match="received"):
        estimate_lost_sales(sold)
    with pytest.raises(ValueError, match="shape"):
        estimate_lost_sales(sold, censored=np.zeros((2, 3), dtype=bool))
