"""80% intervals per week from the history's own year-on-year forecast errors.

The spread is measured, not assumed: every week of the last year is "forecast" the way the
seasonal member does it (same week a year before, rescaled by the growth seen `LEAD` weeks
earlier) and the log errors give a weekly sigma. It widens slowly with the distance from the end
of the history. `SCALE` (below 1 because the ensemble beats the single proxy) was calibrated on
the Walmart backtest so that about 80% of actual weeks fall inside (docs/forecasting.md).
"""

from __future__ import annotations

import numpy as np

Z80 = 1.2815515655446004  # standard normal quantile of 0.90: a central 80% interval
LEAD = 6
LEVEL = 13
YEAR = 52
SCALE = 0.85
HORIZON_GROWTH = 0.02  # relative widening per week ahead
FALLBACK_SIGMA = 0.15  # when the history is too short to measure anything
MIN_POINTS = 8


def base_sigma(z: np.ndarray) -> float:
    """RMS log error of the growth-scaled same-week-last-year proxy over the last year."""
    z = np.clip(np.asarray(z, dtype=float), 1e-9, None)
    n = len(z)
    first = YEAR + LEVEL + LEAD
    if n - first >= MIN_POINTS:
        t = np.arange(max(first, n - YEAR), n)
        cums = np.concatenate([[0.0], np.cumsum(z)])
        recent = cums[t - LEAD] - cums[t - LEAD - LEVEL]
        before = cums[t - LEAD - YEAR] - cums[t - LEAD - YEAR - LEVEL]
        errors = np.log(z[t] / (z[t - YEAR] * recent / before))
        return float(np.sqrt(np.mean(errors**2)))
    if n > MIN_POINTS:
        # No year to compare with: week-to-week changes bound the spread from above.
        return float(min(0.5, np.std(np.diff(np.log(z)))))
    return FALLBACK_SIGMA


def interval_sigma(z: np.ndarray, horizons: np.ndarray) -> np.ndarray:
    """Log-scale sigma for each step ahead in `horizons` (1 = the week after the history)."""
    return SCALE * base_sigma(z) * np.sqrt(1.0 + HORIZON_GROWTH * np.asarray(horizons, dtype=float))


def weekly_bounds(plan: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    plan = np.asarray(plan, dtype=float)
    return plan * np.exp(-Z80 * sigma), plan * np.exp(Z80 * sigma)


def weekly_noise(y: np.ndarray, weeks: int = 2 * YEAR) -> float | None:
    """Log sd of a week around its neighbours over the last `weeks` weeks, robust to holiday spikes.

    e_t = log y_t - (log y_{t-1} + log y_{t+1}) / 2 removes the level and a local slope; for independent
    weekly noise of sd s its variance is 1.5 s^2. The median absolute deviation keeps the holiday weeks
    (large e_t) from inflating it.
    """
    logs = np.log(np.clip(np.asarray(y, dtype=float)[-weeks:], 1e-9, None))
    if len(logs) < MIN_POINTS:
        return None
    e = logs[1:-1] - (logs[:-2] + logs[2:]) / 2
    return float(1.4826 * np.median(np.abs(e - np.median(e))) / np.sqrt(1.5))
