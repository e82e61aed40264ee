"""Demand behind stockouts: a store that ran out sold what it had, not what its customers asked for.

A store-week is censored when the store had nothing left at the week's end (its cumulative sales
reached its cumulative receipts): what it sold is a lower bound of its demand. Its demand is read
from the stores that were in stock that week (docs/planning-rules.md, "Forecast"):

    chain demand of week w   T_w = (sold by the in-stock stores in w) / (their share of demand)
    a censored store-week    demand = max(sold, share_i x T_w)
    share_i                  store i's share of the season's demand (estimated demand where censored)

The shares and the censored weeks' demand are solved together by a fixed-point iteration (a few
rounds converge: a store's share only moves through its own censored weeks). A week in which every
store ran out carries no information on the chain's demand: there the category plan of that week is
used when it is given, else the week stays at what was sold. `lost` = estimated demand - sold.
The re-forecast reads `weekly_demand` instead of the censored sales; the season report and the lab
show `lost_sales_estimated` = the sum of `lost`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ITERATIONS = 25


@dataclass(frozen=True)
class StockoutEstimate:
    sold: np.ndarray  # (S, W) units sold
    demand: np.ndarray  # (S, W) estimated demand: sold where the store was in stock
    censored: np.ndarray  # (S, W) True where the store ran out that week
    shares: np.ndarray  # (S,) each store's share of the season's demand

    @property
    def lost(self) -> np.ndarray:
        return self.demand - self.sold

    @property
    def lost_sales_estimated(self) -> float:
        return float(self.lost.sum())

    @property
    def weekly_demand(self) -> np.ndarray:
        """(W,) category demand per week: the censored sales plus the estimated lost sales."""
        return self.demand.sum(axis=0)


def stocked_out(sold: np.ndarray, received: np.ndarray) -> np.ndarray:
    """(S, W) True where nothing was left at the week's end: cumulative sold >= cumulative received."""
    sold = np.asarray(sold, dtype=float)
    received = np.asarray(received, dtype=float)
    return np.cumsum(sold, axis=1) >= np.cumsum(received, axis=1) - 1e-9


def estimate_lost_sales(sold: np.ndarray, *, received: np.ndarray | None = None,
                        censored: np.ndarray | None = None,
                        plan: Sequence[float] | np.ndarray | None = None) -> StockoutEstimate:
    """Demand of every store-week from censored sales (module docstring).

    Give `received` (units that reached each store per week) to find the stockouts, or `censored`
    directly. `plan` (W,) is the category plan, used only for weeks in which every store ran out.
    """
    sold = np.clip(np.asarray(sold, dtype=float), 0.0, None)
    if sold.ndim != 2:
        raise ValueError(f"sold must be stores x weeks, got shape {sold.shape}")
    if censored is None:
        if received is None:
            raise ValueError("give either received (to find the stockouts) or censored")
        censored = stocked_out(sold, received)
    censored = np.asarray(censored, dtype=bool)
    if censored.shape != sold.shape:
        raise ValueError(f"censored has shape {censored.shape}, sold {sold.shape}")
    n_stores, n_weeks = sold.shape
    demand = sold.copy()
    if not censored.any() or demand.sum() <= 0:
        shares = demand.sum(axis=1) / demand.sum() if demand.sum() > 0 else np.full(n_stores, 1.0 / max(1, n_stores))
        return StockoutEstimate(sold=sold, demand=demand, censored=censored, shares=shares)
    in_stock = ~censored
    fallback = None if plan is None else np.asarray(plan, dtype=float)
    shares = demand.sum(axis=1) / demand.sum()
    for _ in range(ITERATIONS):
        covered = (shares[:, None] * in_stock).sum(axis=0)  # (W,) share of demand that was in stock
        seen = (sold * in_stock).sum(axis=0)
        chain = np.where(covered > 0, seen / np.maximum(covered, 1e-12), np.nan)
        if fallback is not None:
            chain = np.where(np.isnan(chain), fallback[:n_weeks], chain)
        chain = np.where(np.isnan(chain), demand.sum(axis=0), chain)
        new = np.where(censored, np.maximum(sold, shares[:, None] * chain[None, :]), sold)
        new_shares = new.sum(axis=1) / new.sum()
        # np.allclose's test (|new - old| <= atol + rtol x |old|) without its overhead: the week rule
        # runs this for every path of a simulation each week.
        done = bool((np.abs(new - demand) <= 1e-9 + 1e-6 * np.abs(demand)).all())
        demand, shares = new, new_shares
        if done:
            break
    return StockoutEstimate(sold=sold, demand=demand, censored=censored, shares=shares)
