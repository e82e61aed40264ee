"""Forecast error measures shared by the backtest (forecast page) and the season report."""

from __future__ import annotations

import numpy as np


def error_metrics(forecast: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """WAPE = sum|f - a| / sum a; MAPE = mean |f - a| / a over weeks with a > 0; bias = sum(f - a) / sum a.

    Empty when the weeks compared sold nothing (every ratio would divide by zero).
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
