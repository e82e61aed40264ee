"""Walmart forecast benchmark (protocol in ../shared/data/README.md).

Series: chain total per department for the 20 departments with the largest sales, plus the chain
total over all departments. Seasons: the last 12 weeks, at 7 origins 4 weeks apart ending at the
last week, fitting only on the weeks before each origin. Accuracy figures are pooled over the
140 department-seasons (sum of absolute errors / sum of actuals), which reproduces the published
baselines (seasonal naive 4.99% / 3.25%, MSTL 4.06% / 2.15%); the chain total is reported apart.

Run: python -m core.bench.walmart [DATA_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HORIZON = 12
ORIGINS = 7
ORIGIN_STEP = 4
TOP_DEPARTMENTS = 20
SHORT_HISTORY_WEEKS = 90  # history before the 2011 holiday season


def _default_dir() -> Path:
    """../shared/data/walmart beside the checkout, or beside a parent folder (a worktree one level deeper)."""
    repo = Path(__file__).resolve().parents[2]
    for parent in repo.parents:
        if (parent / "shared" / "data" / "walmart").is_dir():
            return parent / "shared" / "data" / "walmart"
    return repo.parent / "shared" / "data" / "walmart"


DEFAULT_DIR = _default_dir()


def load_series(data_dir: Path) -> dict[str, pd.Series]:
    sales = pd.read_csv(
        Path(data_dir) / "walmart_weekly_store_sales.csv",
        usecols=["week_start", "category", "sales_usd"],
        parse_dates=["week_start"],
    )
    ranked = sales.groupby("category")["sales_usd"].sum().sort_values(ascending=False)
    series = {}
    for dept in ranked.index[:TOP_DEPARTMENTS]:
        rows = sales[sales["category"] == dept]
        series[f"dept {dept}"] = rows.groupby("week_start")["sales_usd"].sum().sort_index()
    series["chain total"] = sales.groupby("week_start")["sales_usd"].sum().sort_index()
    return series


def _season(series: pd.Series, end: int, horizon: int = HORIZON, forecast=None):
    from core.domain.forecast import forecast_season

    forecast = forecast or forecast_season
    origin = end - horizon
    history = series.iloc[:origin]
    start = series.index[origin].date()
    started = time.perf_counter()
    # The protocol times the forecast itself; the held-out backtest (a second fit) is a planner add-on.
    fc = forecast(history, season_start=start, horizon_weeks=horizon, category=str(series.name), backtest=False)
    elapsed = time.perf_counter() - started
    actual = series.to_numpy(dtype=float)[origin:end]
    plan = np.array([w.plan for w in fc.weeks])
    lo = np.array([w.lo for w in fc.weeks])
    hi = np.array([w.hi for w in fc.weeks])
    assert [w.start for w in fc.weeks] == [d.date() for d in series.index[origin:end]]
    return actual, plan, lo, hi, elapsed


def score_seasons(chosen: dict[str, pd.Series], origins: int = ORIGINS, forecast=None) -> pd.DataFrame:
    """One row per series and origin: absolute and total errors, interval hits, seconds."""
    rows = []
    for name, series in chosen.items():
        series = series.rename(name)
        for j in range(origins):
            actual, plan, lo, hi, elapsed = _season(series, len(series) - ORIGIN_STEP * j, forecast=forecast)
            rows.append(
                {
                    "series": name,
                    "origin": j,
                    "abs_error": float(np.abs(plan - actual).sum()),
                    "actual": float(actual.sum()),
                    "total_error": float(plan.sum() - actual.sum()),
                    "covered": int(((actual >= lo) & (actual <= hi)).sum()),
                    "seconds": elapsed,
                }
            )
    return pd.DataFrame(rows)


def summarise(frame: pd.DataFrame, prefix: str = "walmart") -> dict:
    """Pooled figures over the department seasons (the chain total is reported apart)."""
    depts = frame[frame["series"] != "chain total"]
    chain = frame[frame["series"] == "chain total"]
    return {
        f"{prefix}_weekly_wape": float(depts["abs_error"].sum() / depts["actual"].sum()),
        f"{prefix}_total_wape": float(depts["total_error"].abs().sum() / depts["actual"].sum()),
        f"{prefix}_total_bias": float(depts["total_error"].sum() / depts["actual"].sum()),
        "worst_total_error": float((depts["total_error"].abs() / depts["actual"]).max()) if len(depts) else None,
        "chain_total_weekly_wape": float(chain["abs_error"].sum() / chain["actual"].sum()) if len(chain) else None,
        "interval_coverage_80": float(frame["covered"].sum() / (len(frame) * HORIZON)),
        # The first call pays the lazy imports; time per series is the median of the warm calls.
        "forecast_ms_per_series": float(frame["seconds"].iloc[1:].median() * 1000) if len(frame) > 1 else None,
        "n_series": int(len(frame)),
    }


def run_walmart_benchmark(data_dir: Path, *, series_names: list[str] | None = None, origins: int = ORIGINS,
                          forecast=None) -> dict:
    """Accuracy, interval coverage and speed of `forecast_season` on the Walmart protocol."""
    all_series = load_series(data_dir)
    chosen = {k: v for k, v in all_series.items() if series_names is None or k in series_names}
    result = summarise(score_seasons(chosen, origins, forecast=forecast))
    if "chain total" in chosen:
        total = chosen["chain total"].rename("chain total")
        actual, plan, _, _, _ = _season(total, SHORT_HISTORY_WEEKS + HORIZON, forecast=forecast)
        result["short_history_chain_total_error"] = float((plan.sum() - actual.sum()) / actual.sum())
        result["short_history_weekly_wape"] = float(np.abs(plan - actual).sum() / actual.sum())
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data_dir = Path(args[0]) if args else DEFAULT_DIR
    if not (data_dir / "walmart_weekly_store_sales.csv").exists():
        print(f"no Walmart data at {data_dir}", file=sys.stderr)
        return 2
    r = run_walmart_benchmark(data_dir)
    print("| figure | value | target |")
    print("|---|---|---|")
    print(f"| weekly WAPE (140 department-seasons) | {r['walmart_weekly_wape']:.2%} | <= 4.10% |")
    print(f"| season-total WAPE | {r['walmart_total_wape']:.2%} | <= 2.10% |")
    print(f"| season-total bias | {r['walmart_total_bias']:+.2%} | |")
    print(f"| worst department-season total error | {r['worst_total_error']:.1%} | <= 16.6% |")
    print(f"| chain total weekly WAPE | {r['chain_total_weekly_wape']:.2%} | |")
    print(f"| 80% interval coverage | {r['interval_coverage_80']:.1%} | ~80% |")
    short = r["short_history_chain_total_error"]
    print(f"| {SHORT_HISTORY_WEEKS} weeks of history, holiday season: chain total error | {short:+.2%} | |")
    print(f"| ms per series (warm) | {r['forecast_ms_per_series']:.1f} | <= 20 |")
    print(f"| series-seasons | {r['n_series']} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
