"""Many-series forecast benchmark: real retail series of several public data sets, rolling origins.

Data sets (each under ../shared/data/<name>/; an absent one is skipped with a note; sources and
licences in docs/forecasting.md):

- `walmart_store_dept`: every store x department of the Walmart data with a complete, positive
  history (weekly sales in dollars, Saturday weeks).
- `walmart_chain`: the chain total per department for the 20 largest departments + the chain total
  (the series of the Walmart protocol in ../shared/data/README.md, scored here at rolling origins).
- `anchor`: the reference data, every store x category (units, Monday weeks from daily rows) and the
  three category chain totals.
- `pasta`: an Italian grocery store's daily unit sales of 118 pasta products in 4 brands, 2014-2018:
  the 4 brand totals and every product that sold at least 20 units a week on average.
- `favorita`: daily ticket counts (transactions) of 54 Favorita stores in Ecuador, 2013-2017, per
  store (a store-level demand series with holiday peaks).

Protocol: a season is 12 weeks; ORIGINS origins per series, ORIGIN_STEP weeks apart, the last one
ending at the last week of the series, so the origins run across most of a year; the forecast sees
only the weeks before each origin. Per data set, pooled over its series-seasons: weekly WAPE, season
WAPE and bias, the share of weeks inside the 80% interval, the share of season totals inside the
season-demand distribution's P10..P90, and the median milliseconds per forecast. `pooled` is the
mean over the data sets (each data set counts once, whatever its scale or number of series).

Run: python -m core.bench.forecast_sets [--full] [--max-series N] [--sets a,b]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HORIZON = 12
ORIGINS = 7
ORIGIN_STEP = 6


def _data_root() -> Path:
    """../shared/data beside the checkout (or beside a parent folder, for a worktree one level deeper)."""
    repo = Path(__file__).resolve().parents[2]
    for parent in repo.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return repo.parent / "shared" / "data"


DATA_ROOT = _data_root()
PASTA_MIN_WEEKLY = 20.0
WALMART_MIN_WEEKLY = 1000.0  # dollars: smaller store-departments are a few items, not a planning series
DEFAULT_MAX_SERIES = 40  # per data set in the default (quick) run; --full runs every series
SETS = ("walmart_store_dept", "walmart_chain", "anchor", "pasta", "favorita")


# ------------------------------------------------------------------------------------------ loaders
def _complete(frame: pd.DataFrame, key: str, week: str, value: str) -> dict[str, pd.Series]:
    """One weekly series per key on the full grid of weeks (an absent week counts 0)."""
    table = frame.pivot_table(index=week, columns=key, values=value, aggfunc="sum")
    grid = pd.date_range(table.index.min(), table.index.max(), freq="7D")
    table = table.reindex(grid)
    return {str(k): table[k] for k in table.columns}


def _weekly_from_daily(frame: pd.DataFrame, date_col: str, key: str, value: str) -> dict[str, pd.Series]:
    """Monday weeks from daily rows; partial weeks at either end of the data are dropped."""
    d = pd.to_datetime(frame[date_col])
    frame = frame.assign(week=d - pd.to_timedelta(d.dt.weekday, unit="D"))
    first, last = d.min(), d.max()
    lo = first if first.weekday() == 0 else first + pd.Timedelta(days=7 - first.weekday())
    monday = last - pd.Timedelta(days=last.weekday())
    hi = monday if last.weekday() == 6 else monday - pd.Timedelta(days=7)
    frame = frame[(frame["week"] >= lo) & (frame["week"] <= hi)]
    return _complete(frame, key, "week", value)


def load_walmart_store_dept(root: Path) -> dict[str, pd.Series]:
    path = root / "walmart" / "walmart_weekly_store_sales.csv"
    sales = pd.read_csv(path, usecols=["week_start", "store_id", "category", "sales_usd"], parse_dates=["week_start"])
    sales["key"] = "store " + sales["store_id"].astype(str) + " dept " + sales["category"].astype(str)
    out = {}
    for name, s in _complete(sales, "key", "week_start", "sales_usd").items():
        if s.isna().any() or (s <= 0).any() or s.mean() < WALMART_MIN_WEEKLY:
            continue
        out[name] = s.astype(float)
    return out


def load_walmart_chain(root: Path) -> dict[str, pd.Series]:
    from core.bench.walmart import load_series

    return {k: v.astype(float) for k, v in load_series(root / "walmart").items()}


def load_anchor(root: Path) -> dict[str, pd.Series]:
    daily = pd.read_csv(root / "anchor" / "historical_sales_2022_2024.csv",
                        usecols=["date", "store_id", "category", "quantity_sold"])
    daily["key"] = daily["store_id"].astype(str) + " " + daily["category"].astype(str)
    out = {k: v.fillna(0.0) for k, v in _weekly_from_daily(daily, "date", "key", "quantity_sold").items()}
    daily["chain"] = "chain " + daily["category"].astype(str)
    out.update({k: v.fillna(0.0) for k, v in _weekly_from_daily(daily, "date", "chain", "quantity_sold").items()})
    return out


def load_pasta(root: Path) -> dict[str, pd.Series]:
    wide = pd.read_csv(root / "pasta" / "hierarchical_sales_data.csv")
    qty = [c for c in wide.columns if c.startswith("QTY_")]
    long = wide.melt(id_vars=["DATE"], value_vars=qty, var_name="item", value_name="qty")
    long["brand"] = "brand " + long["item"].str.split("_").str[1]
    out = {k: v.fillna(0.0) for k, v in _weekly_from_daily(long, "DATE", "brand", "qty").items()}
    for k, v in _weekly_from_daily(long, "DATE", "item", "qty").items():
        v = v.fillna(0.0)
        if v.mean() >= PASTA_MIN_WEEKLY:
            out["item " + k[4:]] = v
    return out


def load_favorita(root: Path) -> dict[str, pd.Series]:
    daily = pd.read_csv(root / "favorita" / "transactions.csv")
    daily["store"] = "store " + daily["store_nbr"].astype(str)
    out = {}
    for k, v in _weekly_from_daily(daily, "date", "store", "transactions").items():
        v = v.fillna(0.0)
        # A store that opened late or closed for months: keep its weeks from the first week it traded
        # fully, and only if no week after that is empty.
        started = v[v > 0.5 * v.median()].index
        v = v.loc[started[0]:] if len(started) else v
        if len(v) >= 2 * 52 + HORIZON and (v > 0).all():
            out[k] = v.astype(float)
    return out


LOADERS: dict[str, tuple[str, Callable[[Path], dict[str, pd.Series]]]] = {
    "walmart_store_dept": ("walmart/walmart_weekly_store_sales.csv", load_walmart_store_dept),
    "walmart_chain": ("walmart/walmart_weekly_store_sales.csv", load_walmart_chain),
    "anchor": ("anchor/historical_sales_2022_2024.csv", load_anchor),
    "pasta": ("pasta/hierarchical_sales_data.csv", load_pasta),
    "favorita": ("favorita/transactions.csv", load_favorita),
}


def subsample(series: dict[str, pd.Series], max_series: int | None) -> dict[str, pd.Series]:
    """Every k-th series (by name), deterministic; None keeps them all."""
    if max_series is None or len(series) <= max_series:
        return series
    names = sorted(series)
    step = len(names) / max_series
    return {names[int(i * step)]: series[names[int(i * step)]] for i in range(max_series)}


def load_sets(root: Path = DATA_ROOT, names: tuple[str, ...] = SETS, max_series: int | None = DEFAULT_MAX_SERIES,
              notes: list[str] | None = None) -> dict[str, dict[str, pd.Series]]:
    """{data set: {series name: weekly series}}; a data set whose file is absent is skipped with a note."""
    notes = notes if notes is not None else []
    out = {}
    for name in names:
        marker, loader = LOADERS[name]
        if not (root / marker).exists():
            notes.append(f"{name}: skipped, {root / marker} is absent")
            continue
        out[name] = subsample(loader(root), max_series)
    return out


# ------------------------------------------------------------------------------------------ scoring
def season_rows(dataset: str, name: str, series: pd.Series, forecast=None, origins: int = ORIGINS,
                step: int = ORIGIN_STEP, panel: dict[str, pd.Series] | None = None) -> list[dict]:
    """One row per origin: errors, weekly interval hits, season P10..P90 hit, seconds. `panel`: the data
    set's series, from which the forecast trains its global member (cut at each origin by the forecast)."""
    from core.domain.forecast import forecast_season
    from core.domain.forecast.distribution import season_demand
    from core.domain.forecast.intervals import _offset, error_persistence

    forecast = forecast or forecast_season
    rows = []
    values = series.to_numpy(dtype=float)
    for j in range(origins):
        end = len(series) - step * j
        origin = end - HORIZON
        if origin < 8:
            break
        history = series.iloc[:origin]
        started, cpu = time.perf_counter(), time.process_time()
        extra = {"panel": panel} if panel is not None else {}
        fc = forecast(history, season_start=series.index[origin].date(), horizon_weeks=HORIZON,
                      category=name, backtest=False, **extra)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        actual = values[origin:end]
        plan = np.array([w.plan for w in fc.weeks])
        lo = np.array([w.lo for w in fc.weeks])
        hi = np.array([w.hi for w in fc.weeks])
        p10, p90 = season_demand(fc).total_quantiles([0.1, 0.9], n=1000)
        u = [float("nan")] * HORIZON
        if fc.interval_scale:
            c = _offset(values[:origin])
            u = list(np.log((np.clip(actual, 0.0, None) + c) / (plan + c)) / fc.interval_scale)
        rows.append({
            "dataset": dataset, "series": name, "origin": j,
            "abs_error": float(np.abs(plan - actual).sum()),
            "actual": float(actual.sum()),
            "total_error": float(plan.sum() - actual.sum()),
            "covered": int(((actual >= lo) & (actual <= hi)).sum()),
            "covered_week1": int(lo[0] <= actual[0] <= hi[0]),
            "season_covered": int(p10 <= actual.sum() <= p90),
            "hi1_over_plan": float(hi[0] / plan[0]) if plan[0] > 0 else float("nan"),
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "u": u,
            "persistence": error_persistence(values[:origin]),
        })
    return rows


def summarise(frame: pd.DataFrame) -> dict[str, float]:
    a = frame["actual"].sum()
    return {
        "weekly_wape": float(frame["abs_error"].sum() / a),
        "season_wape": float(frame["total_error"].abs().sum() / a),
        "bias": float(frame["total_error"].sum() / a),
        "coverage_weekly": float(frame["covered"].sum() / (len(frame) * HORIZON)),
        "coverage_week1": float(frame["covered_week1"].mean()),
        "coverage_season": float(frame["season_covered"].mean()),
        "max_hi1_over_plan": float(frame["hi1_over_plan"].max()),
        "ms_per_series": float(frame["seconds"].iloc[1:].median() * 1000) if len(frame) > 1 else float("nan"),
        # CPU time of the process: on a shared machine the wall time follows the other jobs' load.
        "cpu_ms_per_series": float(frame["cpu_seconds"].iloc[1:].median() * 1000) if len(frame) > 1 else float("nan"),
        "series": int(frame["series"].nunique()),
        "seasons": int(len(frame)),
    }


def run_forecast_benchmark(root: Path = DATA_ROOT, *, names: tuple[str, ...] = SETS,
                           max_series: int | None = DEFAULT_MAX_SERIES, origins: int = ORIGINS,
                           forecast=None, panel: bool = True) -> dict:
    """{"sets": {data set: figures}, "pooled": mean of the data sets' figures, "notes": [...]}.

    `panel`: each forecast gets the data set's series as its panel (the global member is trained across
    them at each origin, once: the trained model is shared by the series of that origin); the global
    training's CPU time, spread over the forecasts it served, is `global_cpu_ms_per_series`."""
    from core.domain.forecast.global_model import TRAINING

    notes: list[str] = []
    sets = load_sets(root, names, max_series, notes)
    frames, training = {}, {}
    for dataset, series in sets.items():
        rows = []
        before = TRAINING["cpu_seconds"]
        named = {name: s.rename(name) for name, s in series.items()}
        for name, s in named.items():
            rows += season_rows(dataset, name, s, forecast, origins, panel=named if panel else None)
        frames[dataset] = pd.DataFrame(rows)
        training[dataset] = 1000 * (TRAINING["cpu_seconds"] - before) / max(1, len(rows))
    figures = {k: {**summarise(f), "global_cpu_ms_per_series": training[k]} for k, f in frames.items() if len(f)}
    pooled = {}
    if figures:
        for key in ("weekly_wape", "season_wape", "bias", "coverage_weekly", "coverage_week1", "coverage_season",
                    "ms_per_series", "cpu_ms_per_series", "global_cpu_ms_per_series"):
            pooled[key] = float(np.mean([f[key] for f in figures.values()]))
        pooled["series"] = int(sum(f["series"] for f in figures.values()))
        pooled["seasons"] = int(sum(f["seasons"] for f in figures.values()))
    return {"sets": figures, "pooled": pooled, "notes": notes, "frames": frames}


def calibration(frames: dict[str, pd.DataFrame]) -> dict:
    """Error quantiles of the final forecast per week ahead and the week correlation, each data set
    weighted equally (the constants of core/domain/forecast/intervals.py are fitted from this)."""
    us, weights = [], []
    for f in frames.values():
        u = np.array(f["u"].tolist(), dtype=float)
        u = u[np.isfinite(u).all(axis=1)]
        if len(u):
            us.append(u)
            weights.append(np.full(len(u), 1.0 / len(u)))
    u, w = np.concatenate(us), np.concatenate(weights)

    def quantile(x: np.ndarray, q: float) -> float:
        order = np.argsort(x)
        cum = np.cumsum(w[order]) / w.sum()
        return float(x[order][np.searchsorted(cum, q)])

    h = np.arange(1, HORIZON + 1)
    q10 = np.array([quantile(u[:, k], 0.1) for k in range(HORIZON)])
    q90 = np.array([quantile(u[:, k], 0.9) for k in range(HORIZON)])
    fit10, fit90 = np.polyfit(h - 1, q10, 1), np.polyfit(h - 1, q90, 1)
    centred = (u - np.median(u, axis=0)) / u.std(axis=0)
    season = centred.mean(axis=1)
    corr = (HORIZON * np.average(season**2, weights=w) - 1) / (HORIZON - 1)
    return {"q10": q10.round(3).tolist(), "q90": q90.round(3).tolist(),
            "q10_line": (round(float(fit10[1]), 3), round(float(fit10[0]), 4)),
            "q90_line": (round(float(fit90[1]), 3), round(float(fit90[0]), 4)),
            "week_correlation": round(float(corr), 3)}


def table(result: dict) -> str:
    lines = ["| data set | series | seasons | weekly WAPE | season WAPE | bias | weekly 80% cover | "
             "week-1 cover | season P10..P90 cover | ms/series | CPU ms/series | global CPU ms/series |",
             "|---" * 12 + "|"]
    rows = list(result["sets"].items()) + ([("pooled (mean)", result["pooled"])] if result["pooled"] else [])
    for name, f in rows:
        lines.append(f"| {name} | {f['series']} | {f['seasons']} | {f['weekly_wape']:.2%} | {f['season_wape']:.2%} | "
                     f"{f['bias']:+.2%} | {f['coverage_weekly']:.1%} | {f['coverage_week1']:.1%} | "
                     f"{f['coverage_season']:.1%} | {f['ms_per_series']:.1f} | "
                     f"{f.get('cpu_ms_per_series', float('nan')):.1f} | "
                     f"{f.get('global_cpu_ms_per_series', float('nan')):.1f} |")
    return "\n".join(lines + [f"note: {n}" for n in result["notes"]])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.bench.forecast_sets")
    p.add_argument("--full", action="store_true", help="every series of every data set (slow)")
    p.add_argument("--max-series", type=int, default=DEFAULT_MAX_SERIES, help="series per data set")
    p.add_argument("--sets", default=",".join(SETS), help="comma-separated data sets")
    p.add_argument("--data", type=Path, default=DATA_ROOT)
    p.add_argument("--calibrate", action="store_true", help="print the error quantiles and week correlation")
    p.add_argument("--no-panel", action="store_true", help="forecast each series alone (no global member)")
    args = p.parse_args(argv)
    result = run_forecast_benchmark(args.data, names=tuple(args.sets.split(",")),
                                    max_series=None if args.full else args.max_series, panel=not args.no_panel)
    print(table(result))
    if args.calibrate:
        print(calibration(result["frames"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
