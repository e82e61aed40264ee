"""Synthetic weekly series for the forecast tests (deterministic)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def seasonal_series(start: str = "2021-01-04", weeks: int = 156, noise: float = 0.0, seed: int = 7) -> pd.Series:
    """Monday weeks: level 1000, a yearly sine of +-30%, optional multiplicative noise."""
    index = pd.date_range(start, periods=weeks, freq="7D")
    day_of_year = index.dayofyear.to_numpy()
    values = 1000.0 * (1.0 + 0.3 * np.sin(2 * np.pi * day_of_year / 365.25))
    if noise:
        values = values * np.exp(np.random.default_rng(seed).normal(0.0, noise, weeks))
    return pd.Series(values, index=index, name="synthetic")


def seasonal_value(day: date) -> float:
    doy = pd.Timestamp(day).dayofyear
    return 1000.0 * (1.0 + 0.3 * np.sin(2 * np.pi * doy / 365.25))
