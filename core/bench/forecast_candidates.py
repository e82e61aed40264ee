"""Candidate forecasts on the many-series benchmark: the table of what was tried (docs/forecasting.md).

For every series-season of core/bench/forecast_sets.py this computes each candidate's 12-week path
on the same holiday-realigned history the ensemble reads, and keeps the actuals and the scale
measures the interval calibration can use. `evaluate` scores any weighted combination of the
candidates per data set and pooled, so combination weights are chosen across series (one set of
weights for every series), never per series.

Run: python -m core.bench.forecast_candidates [--max-series N] [--out FILE.npz]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from core.bench.forecast_sets import DATA_ROOT, DEFAULT_MAX_SERIES, HORIZON, ORIGIN_STEP, ORIGINS, SETS, load_sets


def _candidates(y: np.ndarray, grid: pd.DatetimeIndex, steps: int
                ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, float]]:
    """(paths, milliseconds per candidate, scale measures) for one history."""
    from statsforecast.models import AutoETS, DynamicOptimizedTheta, SeasonalNaive

    from core.domain.forecast.intervals import proxy_sigma, series_scale, weekly_noise
    from core.domain.forecast.members import (
        LOG_OFFSET,
        WEEKS_PER_YEAR,
        _mstl,
        log_mstl_forecast,
        mstl_forecast,
        no_near_zero_weeks,
        seasonal_average,
        trend_drift,
    )
    from core.domain.forecast.realign import holiday_modes, holiday_week_positions, realign_history

    n = len(y)
    positions = holiday_week_positions(grid)
    z = realign_history(y, grid, n + steps - 1, holiday_modes(y, grid, positions), positions)
    paths: dict[str, np.ndarray] = {}
    ms: dict[str, float] = {}

    def timed(name, fn):
        t = time.perf_counter()
        try:
            paths[name] = np.clip(np.asarray(fn(), dtype=float), 0.0, None)
        except Exception:  # noqa: BLE001 - a candidate that fails is left out of that season
            pass
        ms[name] = (time.perf_counter() - t) * 1000

    noise = weekly_noise(y)
    years = 2 if n >= 2 * WEEKS_PER_YEAR + 13 else 1
    timed("mstl", lambda: mstl_forecast(z, steps))
    timed("log_mstl", lambda: log_mstl_forecast(z, steps))  # the member as it is now

    def log_mstl_drift():  # the member before the many-series benchmark: ETS(A,N,N) + damped drift
        zz = np.clip(z, 0.0, None)
        if not no_near_zero_weeks(zz):
            return mstl_forecast(zz, steps)
        off = LOG_OFFSET * float(zz.mean()) + 1e-9
        level, season, trend = _mstl(np.log(zz + off), steps)
        return np.exp(level + season + trend_drift(trend, steps)) - off

    timed("log_mstl_drift", log_mstl_drift)
    timed("seasonal_avg", lambda: seasonal_average(z, steps, years, noise)[0])
    timed("seasonal_avg_noshift", lambda: seasonal_average(z, steps, years, None)[0])
    timed("snaive", lambda: SeasonalNaive(season_length=WEEKS_PER_YEAR).forecast(y=z, h=steps)["mean"])
    timed("dotm", lambda: DynamicOptimizedTheta(season_length=WEEKS_PER_YEAR).forecast(y=z + 1e-6, h=steps)["mean"])

    def ets_deseason():
        zz = np.clip(z, 0.0, None)
        if not no_near_zero_weeks(zz):
            return mstl_forecast(zz, steps)
        off = LOG_OFFSET * float(zz.mean()) + 1e-9
        from statsforecast.mstl import mstl
        parts = mstl(x=np.log(zz + off), period=WEEKS_PER_YEAR, stl_kwargs={})
        adj = (parts["trend"] + parts["remainder"]).to_numpy()
        level = AutoETS(model="ZZN", damped=True).forecast(y=adj, h=steps)["mean"]
        season = np.tile(parts["seasonal"].to_numpy()[-WEEKS_PER_YEAR:], steps // WEEKS_PER_YEAR + 1)[:steps]
        return np.exp(level + season) - off

    timed("ets_damped_log", ets_deseason)

    def log_mstl_nodrift():
        zz = np.clip(z, 0.0, None)
        if not no_near_zero_weeks(zz):
            return mstl_forecast(zz, steps)
        off = LOG_OFFSET * float(zz.mean()) + 1e-9
        level, season, _ = _mstl(np.log(zz + off), steps)
        return np.exp(level + season) - off

    timed("log_mstl_nodrift", log_mstl_nodrift)
    if years == 2 and n >= 3 * WEEKS_PER_YEAR + 13:
        timed("seasonal_avg3", lambda: seasonal_average(z, steps, 3, noise)[0])
    elif "seasonal_avg" in paths:
        paths["seasonal_avg3"] = paths["seasonal_avg"]
    proxy = proxy_sigma(z)
    scales = {"proxy_sigma": proxy if proxy is not None else float("nan"),
              "noise": noise if noise is not None else float("nan"), "scale": series_scale(y, z)}
    return paths, ms, scales


def collect(root: Path = DATA_ROOT, max_series: int | None = DEFAULT_MAX_SERIES, origins: int = ORIGINS,
            names: tuple[str, ...] = SETS) -> pd.DataFrame:
    """One row per series-season with the actual path and each candidate's path (arrays)."""
    warnings.filterwarnings("ignore")
    rows = []
    for dataset, series in load_sets(root, names, max_series).items():
        for name, s in series.items():
            values = s.to_numpy(dtype=float)
            for j in range(origins):
                end = len(s) - ORIGIN_STEP * j
                origin = end - HORIZON
                if origin < 65:
                    break
                y = np.clip(values[:origin], 0.0, None)
                grid = pd.date_range(s.index[0], periods=origin + HORIZON, freq="7D")
                paths, ms, scales = _candidates(y, grid, HORIZON)
                rows.append({"dataset": dataset, "series": name, "origin": j, "actual": values[origin:end],
                             "last_year": y[-52:], **{f"p_{k}": v for k, v in paths.items()},
                             **{f"ms_{k}": v for k, v in ms.items()}, **scales})
    return pd.DataFrame(rows)


def evaluate(frame: pd.DataFrame, weights: dict[str, float], sort: bool = True) -> pd.DataFrame:
    """Weekly WAPE, season WAPE, bias per data set (+ mean over data sets) of sum_k w_k path_k; the data
    sets in name order, or as they first appear in `frame` with `sort=False`."""
    out = {}
    for dataset, f in frame.groupby("dataset", sort=sort):
        plan = np.sum([w * np.stack(f[f"p_{k}"].to_numpy()) for k, w in weights.items()], axis=0)
        actual = np.stack(f["actual"].to_numpy())
        a = actual.sum()
        out[dataset] = {"weekly_wape": np.abs(plan - actual).sum() / a,
                        "season_wape": np.abs(plan.sum(1) - actual.sum(1)).sum() / a,
                        "bias": (plan.sum() - a) / a}
    table = pd.DataFrame(out).T
    table.loc["mean"] = table.mean()
    return table


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.bench.forecast_candidates")
    p.add_argument("--max-series", type=int, default=DEFAULT_MAX_SERIES)
    p.add_argument("--out", type=Path, default=Path("/tmp/forecast_candidates.pkl"))
    args = p.parse_args(argv)
    frame = collect(max_series=args.max_series)
    frame.to_pickle(args.out)
    names = [c[2:] for c in frame.columns if c.startswith("p_")]
    for name in names:
        print(name, f"{frame[f'ms_{name}'].median():.1f} ms")
        print(evaluate(frame.dropna(subset=[f"p_{name}"]), {name: 1.0}).round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
