"""The global member: one gradient-boosted model (LightGBM) trained across a panel of weekly series
(docs/planning-rules.md §4.2; chosen on the many-series benchmark, docs/forecasting.md).

The per-series members see one history each. Given a panel (the product passes the category's store
series and its total, `store_category_panel`), one model is trained across all of its series (copies
counted once, `distinct`) on the weeks before the forecast origin and predicts the series being
forecast directly for h = 1..steps weeks ahead:

- one model, the horizon h a feature: every feature that carries the yearly pattern is read at the
  target week (the same week 51, 52, 53 and 104 weeks before it), known for every h < 52; only the
  recent level is read at the origin, and the tree learns from h how far it carries;
- every value is divided by the series' mean of the 52 weeks before the origin, so series of any
  size share one model; the target is that ratio, fitted by absolute error weighted by the series'
  scale (the weighted absolute percentage error of the benchmark);
- features: h, the target week's position in the year, its offset in weeks to each holiday of
  core/domain/forecast/holidays.py and the offset of the week a year earlier (a holiday that moved),
  the lags above, the level of the last 1, 4 and 13 weeks, the growth of the last 13 weeks on a year
  earlier and the same week last year times that growth;
- training rows: every series, every STRIDE-th origin with a year before it (more when the panel
  would give over MAX_ROWS rows), every h whose target week lies before the forecast origin.

lightgbm is imported on first use only. Trained models are kept per panel, origin and horizon
(`_MODELS`, the last 16), so the series of one panel and a forecast asked again share one training.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import pandas as pd

YEAR = 52
LAGS = (51, 52, 53, 104)
HOLIDAY_NAMES = ("new_year", "super_bowl", "valentines_day", "easter", "mothers_day", "memorial_day",
                 "independence_day", "labor_day", "thanksgiving", "christmas")
FAR = 6  # offset (weeks) given to a holiday further than FAR - 1 weeks away
PARAMS = {"objective": "l1", "learning_rate": 0.15, "num_leaves": 15, "min_data_in_leaf": 40,
          "feature_fraction": 0.9, "lambda_l2": 1.0, "num_threads": 1, "verbose": -1, "seed": 7,
          "deterministic": True, "force_row_wise": True}
ROUNDS = 60  # 100 at a learning rate of 0.1: the same pooled figures, 1.7x the training time
STRIDE = 4  # every 4th origin: as accurate as every 2nd on the benchmark, at half the training time
MAX_ROWS = 20_000  # training rows at most (the stride grows for a larger panel)
MIN_PANEL = 4  # distinct series with a year of history before the origin, at least
COPY_TOLERANCE = 1e-3  # of the series' mean week: closer than this in every week, two series are one
MAX_STEPS = 26  # weeks ahead the global member forecasts at most (benchmarked on 12)
WEIGHT = 0.15  # of the global member in the plan (docs/forecasting.md); the per-series members share the rest
_MODELS: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
_CACHE_SIZE = 16  # a history's categories x (forecast, backtest), with room
TRAINING = {"trainings": 0, "cpu_seconds": 0.0}  # what the global models cost so far (benchmark reports)

Panel: TypeAlias = Mapping[str, pd.Series] | pd.DataFrame


# ------------------------------------------------------------------------------------------ features
@lru_cache(maxsize=8192)
def _offsets(week_start: date) -> tuple[int, ...]:
    """Weeks from the week starting `week_start` to each holiday's nearest occurrence (0 = this week)."""
    from core.domain.forecast.holidays import HOLIDAYS

    out = []
    for name in HOLIDAY_NAMES:
        best = FAR
        for year in (week_start.year - 1, week_start.year, week_start.year + 1):
            k = (HOLIDAYS[name](year) - week_start).days // 7
            if abs(k) < abs(best):
                best = k
        out.append(int(np.clip(best, -FAR, FAR)))
    return tuple(out)


@lru_cache(maxsize=64)
def _calendar(start: pd.Timestamp, periods: int) -> np.ndarray:
    """(periods, 1 + 2 x holidays) for the weekly grid from `start`: week of year, and the holiday offsets
    of each week and of the week 52 weeks before (series on one grid share it)."""
    dates = pd.date_range(start, periods=periods, freq="7D")
    now = np.array([_offsets(d.date()) for d in dates], dtype=float)
    before = np.array([_offsets((d - timedelta(weeks=YEAR)).date()) for d in dates], dtype=float)
    woy = ((dates.dayofyear.to_numpy() - 1) // 7).astype(float)
    return np.column_stack([woy, now, before])


def feature_names() -> list[str]:
    return (["h", "woy"] + [f"hol_{n}" for n in HOLIDAY_NAMES] + [f"hol52_{n}" for n in HOLIDAY_NAMES]
            + [f"lag{k}" for k in LAGS] + ["lag52_3wk", "level1", "level4", "level13", "growth", "snaive_g"])


def features(y: np.ndarray, start: pd.Timestamp, origins: np.ndarray, horizon: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, scale per row, target position per row) for every origin o (first forecast week, o >= 52)
    x h = 1..horizon of one weekly series `y` starting at `start`. Reads only y[:o] for origin o."""
    y = np.asarray(y, dtype=float)
    o = np.repeat(np.asarray(origins, dtype=int), horizon)
    h = np.tile(np.arange(1, horizon + 1), len(origins))
    t = o + h - 1
    cum = np.concatenate([[0.0], np.cumsum(y)])

    def mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # mean of y[a:b], NaN where a < 0
        out = (cum[np.clip(b, 0, None)] - cum[np.clip(a, 0, None)]) / np.maximum(b - a, 1)
        return np.where(a < 0, np.nan, out)

    scale = np.maximum(mean(o - YEAR, o), 1e-9)

    def at(idx: np.ndarray) -> np.ndarray:
        return np.where(idx >= 0, y[np.clip(idx, 0, len(y) - 1)], np.nan) / scale

    lags = [at(t - k) for k in LAGS]
    level13 = mean(o - 13, o)
    growth = level13 / np.maximum(mean(o - 13 - YEAR, o - YEAR), 1e-9)
    cal = _calendar(pd.Timestamp(start), int(t.max()) + 1)[t]
    x = np.column_stack([h, cal, *lags, (lags[0] + lags[1] + lags[2]) / 3, at(o - 1),
                         mean(o - 4, o) / scale, level13 / scale, growth, lags[1] * growth])
    return x, scale, t


# ------------------------------------------------------------------------------------------ training
def training_rows(series: list[tuple[pd.Timestamp, np.ndarray]], steps: int, stride: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, ratio target, weight) over every series (start, values before the origin): every `stride`-th
    origin counted back from the forecast origin, every h whose target lies before it."""
    xs, ys, ws = [], [], []
    for start, y in series:
        m = len(y)
        origins = np.arange(m - stride, YEAR - 1, -stride)[::-1]
        if len(origins) == 0:
            continue
        x, scale, t = features(y, start, origins, steps)
        keep = t < m
        xs.append(x[keep])
        ys.append(y[t[keep]] / scale[keep])
        ws.append(scale[keep])
    w = np.concatenate(ws)
    return np.concatenate(xs), np.concatenate(ys), w / w.mean()


def fit(series: list[tuple[pd.Timestamp, np.ndarray]], steps: int, *, stride: int = STRIDE,
        params: dict | None = None, rounds: int = ROUNDS):
    """A LightGBM booster trained across `series` (start, values before the origin) for h = 1..steps."""
    import lightgbm as lgb

    x, target, weight = training_rows(series, steps, stride)
    data = lgb.Dataset(x, target, weight=weight, params={"verbose": -1})
    return lgb.train({**PARAMS, **(params or {})}, data, num_boost_round=rounds)


def predict(model, y: np.ndarray, start: pd.Timestamp, steps: int) -> np.ndarray:
    """The next `steps` weeks after history `y` (first week `start`), in the series' units."""
    x, scale, _ = features(y, start, np.array([len(y)]), steps)
    return np.clip(model.predict(x, num_threads=1), 0.0, None) * scale


def auto_stride(lengths: list[int], steps: int) -> int:
    """STRIDE, or the smallest stride that keeps the training rows under MAX_ROWS."""
    rows = sum(max(0, m - YEAR) for m in lengths) * steps
    return max(STRIDE, math.ceil(rows / MAX_ROWS))


# ------------------------------------------------------------------------------------------ the member
WEEK_NS = 7 * 86_400 * 10**9


def _panel_before(panel: Panel, cut: pd.Timestamp) -> dict[str, tuple[pd.Timestamp, np.ndarray]]:
    """The panel's series on the forecast's weekly grid, weeks before `cut` only (leading gaps dropped);
    a series with gaps, on another weekday or without a year before the cut is left out."""
    out = {}
    for name, s in panel.items():
        index = s.index if isinstance(s.index, pd.DatetimeIndex) else pd.DatetimeIndex(s.index)
        ns = index.asi8
        k = int(np.searchsorted(ns, cut.value))
        if k <= YEAR or ns[k - 1] + WEEK_NS != cut.value:
            continue
        values = s.to_numpy(dtype=float)[:k]
        known = np.flatnonzero(~np.isnan(values))
        first = int(known[0]) if len(known) else k
        if k - first <= YEAR or len(known) != k - first or (np.diff(ns[first:k]) != WEEK_NS).any():
            continue
        out[str(name)] = (pd.Timestamp(ns[first]), np.clip(values[first:], 0.0, None))
    return out


def distinct(series: dict[str, tuple[pd.Timestamp, np.ndarray]], first: str
             ) -> dict[str, tuple[pd.Timestamp, np.ndarray]]:
    """The series less copies: a series on the same weeks as one kept, whose every week over its mean is
    within COPY_TOLERANCE of the kept one's, teaches the model nothing new (a total written as equal
    part rows, a single store that is its category). `first` is kept first."""
    kept: dict[str, tuple[pd.Timestamp, np.ndarray]] = {}
    shapes: dict[tuple[pd.Timestamp, int], list[np.ndarray]] = {}
    for name in [first] + [k for k in series if k != first]:
        start, y = series[name]
        shape = y / max(float(y.mean()), 1e-9)
        group = shapes.setdefault((start, len(y)), [])
        if any(float(np.max(np.abs(shape - other))) < COPY_TOLERANCE for other in group):
            continue
        group.append(shape)
        kept[name] = series[name]
    return kept


def _key(series: dict[str, tuple[pd.Timestamp, np.ndarray]], steps: int) -> tuple:
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(series):
        start, y = series[name]
        digest.update(f"{name}|{start.isoformat()}|{len(y)}".encode())
        digest.update(np.ascontiguousarray(y).tobytes())
    return steps, digest.hexdigest()


def _model(series: dict[str, tuple[pd.Timestamp, np.ndarray]], steps: int, name: str) -> tuple[object, int]:
    """(booster or None, distinct series) for the panel before the origin; trained once per panel."""
    key = _key(series, steps)
    if key in _MODELS:
        _MODELS.move_to_end(key)
        return _MODELS[key]
    kept = distinct(series, name)
    model = None
    if len(kept) >= MIN_PANEL:
        started = time.process_time()
        rows = [kept[k] for k in sorted(kept)]  # the rows' order by name: the model depends on the key only
        model = fit(rows, steps, stride=auto_stride([len(y) for _, y in rows], steps))
        TRAINING["trainings"] += 1
        TRAINING["cpu_seconds"] += time.process_time() - started
    _MODELS[key] = (model, len(kept))
    while len(_MODELS) > _CACHE_SIZE:
        _MODELS.popitem(last=False)
    return _MODELS[key]


def global_forecast(y: np.ndarray, grid: pd.DatetimeIndex, steps: int, panel: Panel | None, name: str
                    ) -> tuple[np.ndarray | None, str | None]:
    """(path of the `steps` weeks after history `y`, None) from the model trained across `panel` and `y`
    (`grid` starts at the history's first week), or (None, why not)."""
    if panel is None:
        return None, None
    if steps > MAX_STEPS or len(y) <= YEAR:
        return None, f"global member left out: {steps} weeks ahead (at most {MAX_STEPS}) or a year of history needed"
    cut = pd.Timestamp(grid[len(y)])
    series = _panel_before(panel, cut)
    if name not in series:
        series[name] = (pd.Timestamp(grid[0]), np.asarray(y, dtype=float))
    model, count = _model(series, steps, name)
    if model is None:
        return None, f"global member left out: {count} distinct series with a year of history (at least {MIN_PANEL})"
    return predict(model, np.asarray(y, dtype=float), pd.Timestamp(grid[0]), steps), None
