"""Calibrated 80% intervals per week, the season's week-to-week correlation, and the plausibility guard.

The band of a week is the plan moved by quantiles of the final forecast's own errors, measured on the
many-series benchmark (core/bench/forecast_sets.py: Walmart store x department and chain series, the
reference store x category data, an Italian grocery's products, Favorita store traffic) at rolling
origins, per week ahead h (docs/forecasting.md, "Intervals"):

    r = log((actual + c) / (plan + c)),   u = r / s,   lo/hi = (plan + c) exp(s q10(h) / q90(h)) - c

- `s` is the series' own scale (`series_scale`): the geometric mean of two error measures of its
  history, the year-on-year error of a same-week-last-year proxy and the week-to-week wobble. Of
  the scales tried it gave the most even coverage across data sets and across series.
- `c` (OFFSET_SHARE of the mean week) keeps weeks that sell next to nothing from turning a log
  error into an interval of several orders of magnitude (a seasonal department's empty summer).
- q10(h), q90(h): the 10% and 90% quantiles of u at h weeks ahead (a line in h fitted to the
  benchmark's quantiles, week 1 its own; each data set weighted equally). Asymmetric: the benchmark's actuals run
  further above a plan than below it.
- WEEK_CORRELATION: the share of a week's standardised error that the whole season shares, from
  the same errors (the spread of the season mean of u against the spread of single weeks).

Guard (`guard_bounds`): no week's upper bound exceeds GUARD_FACTOR x the larger of its plan and the
highest comparable week of the history (the same week +-1 in each earlier year, rescaled to the
recent level); the season total of every demand path is capped at the sum of those ceilings. When
it cuts a bound it says so in a note.
"""

from __future__ import annotations

import numpy as np

Z80 = 1.2815515655446004  # standard normal quantile of 0.90: a central 80% interval
YEAR = 52
LEAD = 6
LEVEL = 13
MIN_POINTS = 8
OFFSET_SHARE = 0.02  # of the mean week of the last year
FALLBACK_SCALE = 0.15  # a history too short to measure anything
PROXY_WEIGHT = 0.5  # s = proxy^w x wobble^(1 - w): the geometric mean (0.3 tried: no better)
MIN_SCALE = 0.02
MAX_SCALE = 1.5
ERROR_CLIP = 1.5  # one log error counts at most this much in the year-on-year proxy (a launch, a closure)
# Standardised error quantiles per week ahead h: q(h) = A + B * (h - 1), h >= 1 (benchmark fit).
Q10 = (-1.271, -0.0034)
Q90 = (1.230, 0.0080)
# The week straight after the history has its own quantiles (its level is the freshest): the line
# overstates them by about 6% on the benchmark.
Q_FIRST = (-1.254, 1.180)
MAX_AHEAD = 26  # the line is not extended further than this
# Week correlation = CORRELATION_BASE + CORRELATION_SLOPE x the persistence of the series' own proxy errors.
CORRELATION_BASE = 0.13
CORRELATION_SLOPE = 0.8
CORRELATION_MAX = 0.9
UNMEASURED_CORRELATION = 0.35  # short histories (benchmark of 56..72-week histories: 0.3 -> 79%, 0.4 -> 83% cover)
GUARD_FACTOR = 1.5
GUARD_WINDOW = 1  # weeks either side of the same week in earlier years
GUARD_LEVEL_RANGE = (0.5, 2.0)


def _offset(y: np.ndarray) -> float:
    y = np.clip(np.asarray(y, dtype=float), 0.0, None)
    return OFFSET_SHARE * float(y[-YEAR:].mean()) + 1e-9 if len(y) else 1e-9


def proxy_errors(z: np.ndarray) -> np.ndarray | None:
    """Log errors of the growth-scaled same-week-last-year proxy over the last year (None if too short).

    Every week of the last year is "forecast" as the same week a year before times the growth seen
    LEAD weeks earlier (13-week sums); log errors on (value + c), clipped at ERROR_CLIP.
    """
    z = np.clip(np.asarray(z, dtype=float), 0.0, None)
    n = len(z)
    first = YEAR + LEVEL + LEAD
    if n - first < MIN_POINTS:
        return None
    c = _offset(z)
    t = np.arange(max(first, n - YEAR), n)
    cums = np.concatenate([[0.0], np.cumsum(z)])
    recent = cums[t - LEAD] - cums[t - LEAD - LEVEL] + LEVEL * c
    before = cums[t - LEAD - YEAR] - cums[t - LEAD - YEAR - LEVEL] + LEVEL * c
    return np.clip(np.log((z[t] + c) / ((z[t - YEAR] + c) * recent / before)), -ERROR_CLIP, ERROR_CLIP)


def error_persistence(z: np.ndarray, lags: int = 4) -> float | None:
    """Mean autocorrelation of the proxy errors at lags 1..`lags`, 0..1: how much of a week's error
    the following weeks share (None if the history is too short)."""
    e = proxy_errors(z)
    if e is None or len(e) < 2 * lags + MIN_POINTS:
        return None
    e = e - e.mean()
    var = float(np.mean(e**2))
    if var <= 0:
        return 0.0
    rho = [float(np.mean(e[k:] * e[:-k])) / var for k in range(1, lags + 1)]
    return float(np.clip(np.mean(rho), 0.0, 1.0))


def week_correlation(z: np.ndarray) -> float:
    """Share of a week's error the whole season shares: more for a series whose errors persist.

    A history too short to measure the persistence (under about 87 weeks) gets UNMEASURED_CORRELATION:
    its forecast rests on one year's pattern, whose error the season's weeks share; with the base
    value such seasons' P10..P90 held 69% of the totals instead of 80% (docs/forecasting.md)."""
    rho = error_persistence(z)
    if rho is None:
        return UNMEASURED_CORRELATION
    return float(min(CORRELATION_MAX, CORRELATION_BASE + CORRELATION_SLOPE * rho))


def proxy_sigma(z: np.ndarray) -> float | None:
    """RMS of `proxy_errors` (None if the history is too short)."""
    errors = proxy_errors(z)
    return None if errors is None else float(np.sqrt(np.mean(errors**2)))


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


def _noise_with_offset(y: np.ndarray) -> float | None:
    """`weekly_noise` on (y + c): a week near zero does not read as infinite wobble."""
    y = np.clip(np.asarray(y, dtype=float), 0.0, None)
    return weekly_noise(y + _offset(y))


def series_scale(y: np.ndarray, z: np.ndarray) -> float:
    """The series' error scale s: sqrt(year-on-year proxy error x weekly wobble), within MIN..MAX_SCALE."""
    proxy = proxy_sigma(z)
    noise = _noise_with_offset(y)
    if proxy is None and noise is None:
        return FALLBACK_SCALE
    if proxy is None:
        # No year to compare with: the wobble alone understates the error of a forecast without a
        # yearly pattern; the benchmark's median ratio of the two is about 2.
        proxy = 2.0 * (noise or 0.0)
    wobble = proxy if noise is None else noise
    return float(min(MAX_SCALE, max(MIN_SCALE, proxy**PROXY_WEIGHT * wobble ** (1 - PROXY_WEIGHT))))


def error_quantiles(horizons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(q10, q90) of the standardised log error for each step ahead in `horizons` (1 = next week)."""
    h = np.clip(np.asarray(horizons, dtype=float), 1, MAX_AHEAD) - 1
    q10, q90 = Q10[0] + Q10[1] * h, Q90[0] + Q90[1] * h
    first = h == 0
    return np.where(first, Q_FIRST[0], q10), np.where(first, Q_FIRST[1], q90)


def calibrated_bounds(plan: np.ndarray, horizons: np.ndarray, scale: float, offset: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """80% bounds (lo, hi) per week from the benchmark's error quantiles on the series' scale."""
    plan = np.clip(np.asarray(plan, dtype=float), 0.0, None)
    q10, q90 = error_quantiles(horizons)
    lo = (plan + offset) * np.exp(scale * q10) - offset
    hi = (plan + offset) * np.exp(scale * q90) - offset
    return np.clip(lo, 0.0, plan), np.maximum(hi, plan)


def weekly_sigmas(plan: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Log sd per week implied by an 80% band: (ln hi - ln lo) / (2 z80) (a band touching 0 uses hi)."""
    plan = np.asarray(plan, dtype=float)
    out = np.empty(len(plan))
    for i, (p, a, b) in enumerate(zip(plan, lo, hi)):
        if p > 0 and a > 0 and b > a:
            out[i] = (np.log(b) - np.log(a)) / (2 * Z80)
        elif p > 0 and b > p:
            out[i] = np.log(b / p) / Z80
        else:
            out[i] = 0.0
    return out


def comparable_peaks(z: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """For each future position (index on the history's grid), the highest week of the history at the
    same position +-GUARD_WINDOW in each earlier year, times the recent level ratio; 0 if none."""
    z = np.clip(np.asarray(z, dtype=float), 0.0, None)
    n = len(z)
    ratio = 1.0
    if n >= YEAR + LEVEL:
        recent, before = z[n - LEVEL:].sum(), z[n - LEVEL - YEAR: n - YEAR].sum()
        if before > 0:
            ratio = float(np.clip(recent / before, *GUARD_LEVEL_RANGE))
    ratio = max(1.0, ratio)
    out = np.zeros(len(positions))
    for i, t in enumerate(positions):
        best = 0.0
        k = t - YEAR
        while k - GUARD_WINDOW >= 0:
            window = z[max(0, k - GUARD_WINDOW): min(n, k + GUARD_WINDOW + 1)]
            if len(window):
                best = max(best, float(window.max()))
            k -= YEAR
        out[i] = best * ratio
    return out


def guard_bounds(plan: np.ndarray, hi: np.ndarray, z: np.ndarray, positions: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(guarded hi, per-week ceiling, notes): no upper bound beyond GUARD_FACTOR x max(plan, comparable peak).

    Without a comparable earlier year (under a year of history) the ceiling is GUARD_FACTOR x the
    larger of the plan and the highest week of the history.
    """
    plan = np.asarray(plan, dtype=float)
    peaks = comparable_peaks(z, positions)
    z = np.clip(np.asarray(z, dtype=float), 0.0, None)
    if len(z) and not (peaks > 0).any():
        peaks = np.full(len(plan), float(z.max()))
    ceiling = GUARD_FACTOR * np.maximum(plan, peaks)
    cut = hi > ceiling + 1e-9
    notes = []
    if cut.any():
        weeks = np.flatnonzero(cut) + 1
        shown = ", ".join(str(w) for w in weeks[:6]) + (" ..." if len(weeks) > 6 else "")
        notes.append(f"interval guard: the 80% upper bound of week(s) {shown} was cut to "
                     f"{GUARD_FACTOR:g}x the larger of the plan and the highest comparable week of the history")
    return np.minimum(hi, ceiling), ceiling, notes
