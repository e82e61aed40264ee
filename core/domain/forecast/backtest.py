"""Held-out accuracy of the forecast on the history's own last weeks (shown on the Forecast page).

The same ensemble is fitted on the history without its last H weeks (H = min(horizon, 12)) and
forecasts those H weeks straight after the cut; the held-out weeks are scored with WAPE, MAPE and
bias for the ensemble and for each member. It is a check that the method suits this series, not
a promise for the season (which may start weeks after the history ends).
"""

from __future__ import annotations

import numpy as np

MAX_WEEKS = 12


def holdout_weeks(horizon_weeks: int) -> int:
    return max(1, min(horizon_weeks, MAX_WEEKS))


def score(forecast: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """WAPE = sum|f - a| / sum a; MAPE = mean |f - a| / a over weeks with a > 0; bias = sum(f - a) / sum a.

    Empty when the held-out weeks sold nothing (every ratio would divide by zero).
    """
    forecast = np.asarray(forecast, dtype=float)
    actual = np.asarray(actual, dtype=float)
    if forecast.shape != actual.shape:
        raise ValueError(f"forecast has {forecast.shape[0]} weeks, actual {actual.shape[0]}")
    total = float(actual.sum())
    if total <= 0:
        return {}
    sold = actual > 0
    return {
        "wape": float(np.abs(forecast - actual).sum() / total),
        "mape": float(np.mean(np.abs(forecast[sold] - actual[sold]) / actual[sold])),
        "bias": float((forecast - actual).sum() / total),
    }
