"""The demand response to a markdown (price_elasticity), estimated from the history when its unit price
varies, else the published default (docs/planning-rules.md §6.3).

Estimate: weekly units and average selling price (revenue / units) of the category; each in logs with
its 13-week centred moving average taken off (level and season move both series and are not a price
response); the elasticity is minus the least-squares slope of log units on log price. It is used only
when the price itself moved (detrended sd of log price at least MIN_PRICE_SD), at least MIN_WEEKS
weeks carry revenue, and the slope is negative and at least two standard errors from zero; it is
clipped to ELASTICITY_RANGE. Otherwise the parameter's default stands, and the note says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.domain.params import DEFAULT_PRICE_ELASTICITY, SeasonParameters

MIN_PRICE_SD = 0.02
MIN_WEEKS = 26
WINDOW = 13
ELASTICITY_RANGE = (0.3, 5.0)
DEFAULT_SOURCE = "the published default (Tellis 1988 meta-analysis, mean 1.76)"


def estimate_price_elasticity(history: pd.DataFrame | None, category: str) -> tuple[float | None, str]:
    """(elasticity, how it was found) from the history; (None, why not) when it cannot tell."""
    if history is None or history.empty or "revenue" not in history.columns:
        return None, "the history has no revenue"
    rows = history[(history["category"] == category) & history["revenue"].notna() & (history["quantity"] > 0)]
    weekly = rows.groupby(pd.to_datetime(rows["week_start"]))[["quantity", "revenue"]].sum().sort_index()
    weekly = weekly[(weekly["quantity"] > 0) & (weekly["revenue"] > 0)]
    if len(weekly) < MIN_WEEKS:
        return None, f"only {len(weekly)} weeks with revenue (at least {MIN_WEEKS} needed)"
    lq = np.log(weekly["quantity"].to_numpy(dtype=float))
    lp = np.log((weekly["revenue"] / weekly["quantity"]).to_numpy(dtype=float))
    dq = lq - pd.Series(lq).rolling(WINDOW, center=True, min_periods=WINDOW // 2 + 1).mean().to_numpy()
    dp = lp - pd.Series(lp).rolling(WINDOW, center=True, min_periods=WINDOW // 2 + 1).mean().to_numpy()
    ok = np.isfinite(dq) & np.isfinite(dp)
    dq, dp = dq[ok], dp[ok]
    spread = float(dp.std())
    if spread < MIN_PRICE_SD:
        return None, f"the history's unit price hardly varies (sd {spread:.1%} around its trend)"
    slope, intercept = np.polyfit(dp, dq, 1)
    resid = dq - (slope * dp + intercept)
    se = float(np.sqrt(resid.var(ddof=2) / max(1e-12, float(((dp - dp.mean()) ** 2).sum()))))
    if slope >= 0 or -slope < 2 * se:
        return None, f"the history's units do not clearly fall as its price rises (slope {slope:+.2f} +- {se:.2f})"
    value = float(min(ELASTICITY_RANGE[1], max(ELASTICITY_RANGE[0], -slope)))
    return round(value, 3), f"estimated from {len(dq)} weeks of the history's price and units ({value:.2f})"


def resolve_price_response(params: SeasonParameters, history: pd.DataFrame | None) -> tuple[SeasonParameters, str]:
    """The parameters with the price response the season plans with, and a note on where it came from:
    the planner's when entered, else the history's estimate, else the default."""
    if "price_elasticity" in params.model_fields_set:
        return params, f"price elasticity {params.price_elasticity:g} (entered)"
    value, how = estimate_price_elasticity(history, params.category)
    if value is None:
        return params, f"price elasticity {DEFAULT_PRICE_ELASTICITY:g}: {DEFAULT_SOURCE}; {how}"
    return params.model_copy(update={"price_elasticity": value}), f"price elasticity {value:g}: {how}"
