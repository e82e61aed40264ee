"""A global LightGBM forecaster on the many-series benchmark, alone and combined with the ensemble.

At each origin of core/bench/forecast_sets.py (7 origins 6 weeks apart, 12-week seasons) one model is
trained across all series of a data set on the weeks before that origin only, and forecasts the 12
weeks of every series directly.

Design:
- One model, the horizon h = 1..12 a feature (not 12 models): every feature that carries the yearly
  pattern is read at the target week (the same week 51, 52, 53 and 104 weeks before it), so it is
  known for every h <= 12; only the recent level is read at the origin, and the tree learns from h
  how far that level carries. One model sees 12x the rows of each per-horizon model and is trained
  once per origin instead of 12 times.
- Normalised scale: every value is divided by the series' mean of the 52 weeks before the origin,
  so series of any size share one model; the target is the ratio y(target) / that mean (`ratio`)
  or its log (`log`), and the forecast is multiplied back.
- Features: h; the target week's position in the year (day of year of the week's start / 7); for
  each holiday of core/domain/forecast/holidays.py the target week's offset in weeks to it, and the
  offset of the week a year earlier (so the tree sees a holiday that moved); the lags above (each
  / the scale); the level of the last 1, 4 and 13 weeks (/ scale); the growth of the last 13 weeks
  against the same 13 weeks a year earlier and the same-week-last-year value times it.
- Training rows: every series, every origin with a full year before it, every h whose target week
  lies before the benchmark origin (nothing at or after the origin is seen).

The ensemble's plans (`forecast_season(..., backtest=False)`, and its two members) are computed on
the same series-seasons and cached, so combinations are scored on identical seasons
(`evaluate`, weights learned across series on a grid, never per series).

Run: python -m core.bench.forecast_global [--max-series N] [--sets a,b] [--data DIR]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from core.bench.forecast_candidates import evaluate as candidates_evaluate
from core.bench.forecast_sets import DATA_ROOT, HORIZON, ORIGIN_STEP, ORIGINS, SETS, load_sets
from core.domain.forecast.global_model import PARAMS as GLOBAL_PARAMS
from core.domain.forecast.global_model import ROUNDS as GLOBAL_ROUNDS
from core.domain.forecast.global_model import STRIDE as GLOBAL_STRIDE
from core.domain.forecast.global_model import YEAR, features

PARAMS = {**GLOBAL_PARAMS, "objective": "l2", "learning_rate": 0.05, "num_leaves": 31}  # the first variant
ROUNDS = 200


# ------------------------------------------------------------------------------------------ model
def _train(x: np.ndarray, target: np.ndarray, weight: np.ndarray | None, params: dict, rounds: int):
    import lightgbm as lgb

    data = lgb.Dataset(x, target, weight=weight, free_raw_data=True, params={"verbose": -1})
    return lgb.train(params, data, num_boost_round=rounds)


def _to_target(ratio: np.ndarray, kind: str) -> np.ndarray:
    return np.log(ratio + 0.01) if kind == "log" else ratio


def _from_target(pred: np.ndarray, kind: str) -> np.ndarray:
    return np.clip(np.exp(pred) - 0.01 if kind == "log" else pred, 0.0, None)


def global_paths(series: dict[str, pd.Series], *, kind: str = "ratio", params: dict | None = None,
                 rounds: int = ROUNDS, weighted: bool = False, origins: int = ORIGINS, stride: int = 1,
                 window: int | None = None) -> tuple[dict[tuple[str, int], np.ndarray], dict[int, float]]:
    """({(series, origin j): 12-week forecast}, {origin j: training seconds}) of the global model
    trained at each benchmark origin across all `series` (one data set)."""
    params = {**PARAMS, **(params or {})}
    built = {}
    started = time.process_time()
    for name, s in series.items():
        n = len(s)
        x, scale, t = features(s.to_numpy(dtype=float), s.index[0], np.arange(YEAR, n), HORIZON)
        built[name] = (x, scale, t, s.to_numpy(dtype=float), s.index)
    paths, seconds = {}, {}
    build = (time.process_time() - started) / origins  # the features are built once for all origins
    for j in range(origins):
        rows_x, rows_y, rows_w, ask = [], [], [], {}
        for name, (x, scale, t, y, index) in built.items():
            origin = len(y) - ORIGIN_STEP * j - HORIZON
            if origin < YEAR + 1:
                continue
            first = t - x[:, 0] + 1
            train = (t < origin) & ((first - origin) % stride == 0)
            if window:
                train &= first >= origin - window
            rows_x.append(x[train])
            rows_y.append(_to_target(y[t[train]] / scale[train], kind))
            rows_w.append(scale[train])
            ask[name] = (origin - YEAR) * HORIZON + np.arange(HORIZON)
        if not rows_x:
            continue
        started = time.process_time()
        w = np.concatenate(rows_w)
        model = _train(np.concatenate(rows_x), np.concatenate(rows_y), w / w.mean() if weighted else None,
                       params, rounds)
        for name, rows in ask.items():
            x, scale = built[name][0], built[name][1]
            paths[(name, j)] = _from_target(model.predict(x[rows], num_threads=1), kind) * scale[rows]
        seconds[j] = time.process_time() - started + build
    return paths, seconds


# ------------------------------------------------------------------------------------------ scoring
def ensemble_frame(sets: dict[str, dict[str, pd.Series]], origins: int = ORIGINS) -> pd.DataFrame:
    """One row per series-season: actual, the product's plan (`p_ensemble`) and its members' paths."""
    from core.domain.forecast import forecast_season

    warnings.filterwarnings("ignore")
    rows = []
    for dataset, series in sets.items():
        for name, s in series.items():
            for j in range(origins):
                end = len(s) - ORIGIN_STEP * j
                origin = end - HORIZON
                started = time.process_time()
                fc = forecast_season(s.iloc[:origin], season_start=s.index[origin].date(), horizon_weeks=HORIZON,
                                     category=name, backtest=False)
                ms = (time.process_time() - started) * 1000
                rows.append({"dataset": dataset, "series": name, "origin": j,
                             "actual": s.to_numpy(dtype=float)[origin:end],
                             "p_ensemble": np.array([w.plan for w in fc.weeks]), "ms_ensemble": ms,
                             **{f"p_{k}": np.asarray(v) for k, v in fc.member_weekly.items()}})
    return pd.DataFrame(rows)


def add_global(frame: pd.DataFrame, sets: dict[str, dict[str, pd.Series]], label: str, **options) -> dict:
    """Adds column p_<label> (the global model's path) to `frame`; returns {data set: CPU ms per series}
    (training at the 7 origins + prediction, over the series it serves)."""
    col, cost = [], {}
    found: dict[tuple[str, str, int], np.ndarray] = {}
    for dataset, series in sets.items():
        paths, seconds = global_paths(series, **options)
        found.update({(dataset, name, j): p for (name, j), p in paths.items()})
        cost[dataset] = 1000 * sum(seconds.values()) / max(1, len(series) * len(seconds))
    for row in frame.itertuples():
        col.append(found.get((row.dataset, row.series, row.origin)))
    frame[f"p_{label}"] = col
    return cost


def evaluate(frame: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """The candidates' scoring (forecast_candidates.evaluate), data sets in the order of the benchmark."""
    return candidates_evaluate(frame, weights, sort=False)


def learned_weight(frame: pd.DataFrame, member: str, base: str = "ensemble", step: float = 0.1
                   ) -> tuple[float, pd.DataFrame]:
    """Weight w of `member` in (1 - w) base + w member, one for every series, on a grid: the smallest mean
    over data sets of (weekly WAPE / base's + season WAPE / base's) / 2."""
    ref = evaluate(frame, {base: 1.0}).drop(index="mean")
    best = (np.inf, 0.0, ref)
    for w in np.arange(0.0, 1.0 + 1e-9, step):
        t = evaluate(frame, {base: 1.0 - w, member: w})
        body = t.drop(index="mean")
        score = float(((body["weekly_wape"] / ref["weekly_wape"] + body["season_wape"] / ref["season_wape"]) / 2)
                      .mean())
        if score < best[0] - 1e-12:
            best = (score, float(round(w, 3)), t)
    return best[1], best[2]


def verdict(candidate: pd.DataFrame, today: pd.DataFrame, tolerance: float = 0.01) -> tuple[bool, list[str]]:
    """The adoption rule: the mean over data sets improves (weekly and season WAPE) and no data set is
    worse than today's by more than `tolerance` (relative) on either."""
    reasons = []
    for metric in ("weekly_wape", "season_wape"):
        if candidate.loc["mean", metric] >= today.loc["mean", metric]:
            reasons.append(f"mean {metric} {candidate.loc['mean', metric]:.4f} >= {today.loc['mean', metric]:.4f}")
        for dataset in today.index.drop("mean"):
            if candidate.loc[dataset, metric] > today.loc[dataset, metric] * (1 + tolerance):
                reasons.append(f"{dataset} {metric} {candidate.loc[dataset, metric]:.4f} against "
                               f"{today.loc[dataset, metric]:.4f}")
    return not reasons, reasons


def row(label: str, t: pd.DataFrame) -> str:
    cells = [f"{t.loc[d, 'weekly_wape']:.2%} / {t.loc[d, 'season_wape']:.2%} / {t.loc[d, 'bias']:+.2%}"
             for d in t.index]
    return f"| {label} | " + " | ".join(cells) + " |"


VARIANTS: dict[str, dict] = {
    "gbm": {},
    "gbm_log": {"kind": "log"},
    "gbm_l1w": {"params": {"objective": "l1"}, "weighted": True},
    "gbm_l1w_fast": {"params": {"objective": "l1", "learning_rate": 0.1, "num_leaves": 15}, "weighted": True,
                     "rounds": 100, "stride": 2},
    "gbm_l1w_win": {"params": {"objective": "l1", "learning_rate": 0.1, "num_leaves": 15, "max_bin": 63},
                    "weighted": True, "rounds": 100, "stride": 2, "window": 104},
    "gbm_l1w_win3": {"params": {"objective": "l1", "learning_rate": 0.1, "num_leaves": 15, "max_bin": 63},
                     "weighted": True, "rounds": 100, "stride": 3, "window": 156},
    "gbm_l1w_s3": {"params": {"objective": "l1", "learning_rate": 0.1, "num_leaves": 15}, "weighted": True,
                   "rounds": 100, "stride": 3},
    "gbm_l1w_s4": {"params": {"objective": "l1", "learning_rate": 0.1, "num_leaves": 15}, "weighted": True,
                   "rounds": 100, "stride": 4},
    "gbm_l1w_r60": {"params": {"objective": "l1", "learning_rate": 0.15, "num_leaves": 15, "max_bin": 63},
                    "weighted": True, "rounds": 60, "stride": 4},
    "gbm_l1w_b63": {"params": {"objective": "l1", "learning_rate": 0.1, "num_leaves": 15, "max_bin": 63},
                    "weighted": True, "rounds": 100, "stride": 4},
    "product": {"params": {k: GLOBAL_PARAMS[k] for k in ("objective", "learning_rate", "num_leaves")},
                "weighted": True, "rounds": GLOBAL_ROUNDS, "stride": GLOBAL_STRIDE},
    "gbm_l2w": {"weighted": True},
    "gbm_logw": {"kind": "log", "weighted": True},
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.bench.forecast_global")
    p.add_argument("--max-series", type=int, default=80, help="series per data set (0: all)")
    p.add_argument("--sets", default=",".join(SETS))
    p.add_argument("--data", type=Path, default=DATA_ROOT)
    p.add_argument("--variants", default="gbm", help=f"comma-separated, of {','.join(VARIANTS)}")
    p.add_argument("--cache", type=Path, default=None, help="pickle of the ensemble's plans (read / written)")
    args = p.parse_args(argv)
    sets = load_sets(args.data, tuple(args.sets.split(",")), args.max_series or None)
    if args.cache and args.cache.exists():
        frame = pd.read_pickle(args.cache)
    else:
        frame = ensemble_frame(sets)
        if args.cache:
            frame.to_pickle(args.cache)
    today = evaluate(frame, {"ensemble": 1.0})
    print("| candidate | " + " | ".join(today.index) + " |")
    print(row("ensemble (today)", today))
    print("ensemble CPU ms/series:", frame.groupby("dataset", sort=False)["ms_ensemble"].median().round(1).to_dict())
    for label in args.variants.split(","):
        cost = add_global(frame, sets, label, **VARIANTS[label])
        print(row(label, evaluate(frame, {label: 1.0})), "CPU ms/series", {k: round(v, 1) for k, v in cost.items()})
        print(row(f"{label} 0.5 + ensemble 0.5", evaluate(frame, {"ensemble": 0.5, label: 0.5})))
        w, t = learned_weight(frame, label)
        ok, reasons = verdict(t, today)
        print(row(f"{label} learned weight {w}", t), "ADOPT" if ok else "reject: " + "; ".join(reasons))
    if args.cache:
        frame.to_pickle(args.cache.with_suffix(".global.pkl"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
