"""Outcome figures of simulated seasons (scenario lab), per path and summarised over paths.

Per path (docs/planning-rules.md §4.9 definitions where the report has one):
  sold                  units sold (censored by stock)
  lost_sales            demand (after the markdown lift) that found no stock: demand - sold
  lost_sales_estimated  the same as the season report estimates it from the censored sales alone
                        (report.stockouts, docs/planning-rules.md §4.2): beside the true figure, the
                        estimate's error on the replayed seasons
  leftover              order - sold = left in the stores + left at the DC (leftover_stores, leftover_dc)
  sell_through          sold / order
  stockout_store_weeks  store-weeks where cumulative sold reached cumulative received (report.stockouts)
  markdown_units        units sold after the markdown took effect, when a depth > 0 was decided
  markdown_cost         markdown units x unit price x depth (revenue given up)
  revenue               full-price units x price + marked-down units x price x (1 - depth)
  margin                gross margin on units sold: revenue - unit cost x units sold; None without a cost
  profit                revenue - unit cost x order + salvage value x leftover: what every choice is
                        ranked by (docs/planning-rules.md §6); None without a cost
  revenue and money figures are None when the unit price is unknown (0: no revenue in the history)
Summaries over paths: the median with P10 and P90 (linear interpolation of numpy's percentile).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.domain.report import stockouts
from core.domain.simulation.simulator import SimulationRun

METRICS = ("sold", "lost_sales", "leftover", "sell_through", "stockout_store_weeks", "markdown_units",
           "markdown_cost", "revenue", "margin", "profit")
# Which way is better, for "best set per metric".
HIGHER_IS_BETTER = {"sold": True, "lost_sales": False, "leftover": False, "sell_through": True,
                    "stockout_store_weeks": False, "markdown_units": False, "markdown_cost": False,
                    "revenue": True, "margin": True, "profit": True}
WEEKLY = ("demand", "sold", "lost_sales", "store_stock", "dc_stock")


def path_metrics(run: SimulationRun, unit_cost: float | None = None) -> dict[str, np.ndarray]:
    """Each metric of the module docstring as an array over the paths (margin: NaN without a cost)."""
    setup = run.setup
    n, s, w = run.sold.shape
    sold = run.sold.sum(axis=(1, 2)).astype(float)
    lost = (run.demand - run.sold).sum(axis=(1, 2)).astype(float)
    out_mask, _ = stockouts(run.sold.reshape(n * s, w).astype(float), run.received.reshape(n * s, w).astype(float))
    out_mask = out_mask.reshape(n, s, w)
    stockout = out_mask.sum(axis=(1, 2)).astype(float)
    week_sold = run.sold.sum(axis=1)  # (P, W)
    if run.markdown_week is not None and run.markdown_week < w:
        after = week_sold[:, run.markdown_week:].sum(axis=1).astype(float)
    else:
        after = np.zeros(n)
    depth = run.markdown_depth
    md_units = np.where(depth > 0, after, 0.0)
    price = setup.unit_price
    md_cost = np.round(md_units * price * depth, 2)
    revenue = np.round(sold * price - md_cost, 2) if price > 0 else np.full(n, np.nan)
    margin = revenue - unit_cost * sold if unit_cost is not None else np.full(n, np.nan)
    leftover = setup.order_qty - sold
    salvage = float(setup.pset.parameters.salvage_value)
    profit = revenue - unit_cost * setup.order_qty + salvage * leftover if unit_cost is not None else np.full(n, np.nan)
    shipped = run.received.sum(axis=(1, 2))
    return {
        "sold": sold, "lost_sales": lost, "leftover": leftover, "sell_through": sold / setup.order_qty,
        "stockout_store_weeks": stockout, "markdown_units": md_units, "markdown_cost": md_cost,
        "revenue": revenue, "margin": np.round(margin, 2), "profit": np.round(profit, 2),
        "leftover_stores": (shipped - sold).astype(float), "leftover_dc": run.dc_end.astype(float),
        "lost_sales_estimated": lost_sales_estimated(run, out_mask),
    }


def lost_sales_estimated(run: SimulationRun, out_mask: np.ndarray | None = None) -> np.ndarray:
    """(P,) lost sales as the season report estimates them from each path's censored sales (with the
    plan each week had, for weeks every store ran out); 0 where no store ran out."""
    n, s, w = run.sold.shape
    out = np.zeros(n)
    for i in range(n):
        if out_mask is not None and not out_mask[i].any():
            continue
        plan = run.plans[i] if run.plans.shape == (n, w) else None
        _, out[i] = stockouts(run.sold[i].astype(float), run.received[i].astype(float), plan=plan)
    return out


def weekly_paths(run: SimulationRun) -> dict[str, np.ndarray]:
    """Category totals per path and week (P, W): demand, sold, lost, stock in the stores and at the DC
    at the end of each week (after that week's replenishment left the DC)."""
    demand = run.demand.sum(axis=1).astype(float)
    sold = run.sold.sum(axis=1).astype(float)
    received = run.received.sum(axis=1).astype(float)
    # received[:, k] for k >= 1 is the replenishment planned after week k (it left the DC then).
    shipped_after = np.cumsum(received, axis=1)
    shipped_after[:, :-1] = shipped_after[:, 1:]
    shipped_after[:, -1] = received.sum(axis=1)
    store_stock = np.cumsum(received, axis=1) - np.cumsum(sold, axis=1)
    dc = run.setup.order_qty - shipped_after
    return {"demand": demand, "sold": sold, "lost_sales": demand - sold, "store_stock": store_stock, "dc_stock": dc}


def _clean(x: float) -> float | None:
    return None if x != x else round(float(x), 6)


def summarise(values: dict[str, np.ndarray]) -> dict[str, dict[str, float | None]]:
    """{"median": {...}, "p10": {...}, "p90": {...}} over the paths (None where undefined)."""
    out: dict[str, dict[str, float | None]] = {"median": {}, "p10": {}, "p90": {}}
    for key, arr in values.items():
        a = np.asarray(arr, dtype=float)
        if a.size == 0 or np.isnan(a).all():
            for q in out:
                out[q][key] = None
            continue
        lo, mid, hi = np.percentile(a, [10, 50, 90])
        out["median"][key], out["p10"][key], out["p90"][key] = _clean(mid), _clean(lo), _clean(hi)
    return out


def weekly_summary(weekly: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Per week, the median of each weekly path (for charts)."""
    keys = list(weekly)
    weeks = weekly[keys[0]].shape[1]
    med = {k: np.median(weekly[k], axis=0) for k in keys}
    return [{"week": i + 1, **{k: round(float(med[k][i]), 3) for k in keys}} for i in range(weeks)]


def best_per_metric(sets: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The name(s) of the best set on each metric's median (ties share the mark; None values skipped)."""
    best: dict[str, list[str]] = {}
    for key in METRICS:
        scored = [(s["metrics"].get(key), s["name"]) for s in sets if s["metrics"].get(key) is not None]
        if not scored:
            continue
        values = [v for v, _ in scored]
        top = max(values) if HIGHER_IS_BETTER[key] else min(values)
        best[key] = [name for v, name in scored if abs(v - top) <= 1e-9 * max(1.0, abs(top))]
    return best


def best_set(sets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The set with the highest median profit; without profit figures the lowest median lost sales +
    leftover (docs/planning-rules.md §6). Ties: the first set."""
    if not sets:
        return None
    profits = [s["metrics"].get("profit") for s in sets]
    if all(p is not None for p in profits):
        i = max(range(len(sets)), key=lambda k: (profits[k], -k))
        return {"name": sets[i]["name"], "by": "profit", "value": profits[i]}
    mismatch = [float(s["metrics"].get("lost_sales") or 0.0) + float(s["metrics"].get("leftover") or 0.0)
                for s in sets]
    i = min(range(len(sets)), key=lambda k: (mismatch[k], k))
    return {"name": sets[i]["name"], "by": "lost sales + leftover (no unit cost)", "value": mismatch[i]}
