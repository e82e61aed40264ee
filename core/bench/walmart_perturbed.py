"""Development forecast benchmark: the Walmart protocol on documented perturbations of its series.

Walmart's 21 series (20 largest departments + chain total, 143 Saturday weeks) barely grow and never
step, and their weeks carry no pattern tied to the day of the month. Real retail series do: growth
years, level steps (a store refit, a new range), month-start peaks (paydays, benefit days). Each
variant below multiplies every Walmart series by one deterministic factor per week (t = week index
0..142; the seasons start at weeks 107..131, so every change is inside every history):

- `growth`: x 1.30 ** (t / 52), a steady +30% a year.
- `growth_year`: flat to week 83, then +30% a year (a growth year that starts 24..48 weeks before the
  season, so the history's older years show no growth).
- `step_up`: x 1.8 from week 100 on (7..31 weeks before the season).
- `step_down`: x 0.6 from week 104 on (3..27 weeks before the season).
- `month_start`: x (1 + 0.3 * d / 7), d = days of the week that are the 1st..10th of their month (a
  benefit-day peak tied to the calendar date, not to the weekday).
- `growth_month_start`: `growth` and `month_start` together.

Scored exactly like core/bench/walmart.py (12 weeks, 7 origins 4 weeks apart, pooled over the 140
department-seasons of each variant; `dev_*` pools all 840). Run: python -m core.bench.walmart_perturbed
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from core.bench.walmart import DEFAULT_DIR, ORIGINS, load_series, score_seasons, summarise

GROWTH = 1.30
GROWTH_YEAR_START = 83
STEP_UP = (100, 1.8)
STEP_DOWN = (104, 0.6)
MONTH_START_DAYS = 10
MONTH_START_LIFT = 0.3


def _month_start_factor(index: pd.DatetimeIndex) -> np.ndarray:
    days = np.stack([(index + pd.Timedelta(days=k)).day.to_numpy() for k in range(7)])
    return 1.0 + MONTH_START_LIFT * (days <= MONTH_START_DAYS).sum(axis=0) / 7.0


def factors(index: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """The weekly multiplier of each variant on a weekly `index`."""
    t = np.arange(len(index), dtype=float)
    growth = GROWTH ** (t / 52)
    month = _month_start_factor(index)
    return {
        "growth": growth,
        "growth_year": GROWTH ** (np.clip(t - GROWTH_YEAR_START, 0, None) / 52),
        "step_up": np.where(t >= STEP_UP[0], STEP_UP[1], 1.0),
        "step_down": np.where(t >= STEP_DOWN[0], STEP_DOWN[1], 1.0),
        "month_start": month,
        "growth_month_start": growth * month,
    }


def perturbed_series(data_dir: Path) -> dict[str, dict[str, pd.Series]]:
    """{variant: {series name: perturbed series}} from the Walmart protocol's series."""
    base = load_series(data_dir)
    out: dict[str, dict[str, pd.Series]] = {}
    for name, series in base.items():
        for variant, f in factors(pd.DatetimeIndex(series.index)).items():
            out.setdefault(variant, {})[name] = series * f
    return out


def run_dev_benchmark(data_dir: Path, *, variants: list[str] | None = None, series_names: list[str] | None = None,
                      origins: int = ORIGINS, forecast=None) -> dict:
    """Pooled figures over all variants (`dev_*`) and per variant (`variants`)."""
    frames = []
    per_variant = {}
    for variant, all_series in perturbed_series(data_dir).items():
        if variants is not None and variant not in variants:
            continue
        chosen = {k: v for k, v in all_series.items() if series_names is None or k in series_names}
        frame = score_seasons(chosen, origins, forecast=forecast)
        per_variant[variant] = summarise(frame, prefix="dev")
        frames.append(frame.assign(series=frame["series"].where(frame["series"] == "chain total",
                                                                 variant + " " + frame["series"])))
    result = summarise(pd.concat(frames, ignore_index=True), prefix="dev")
    result["variants"] = per_variant
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data_dir = Path(args[0]) if args else DEFAULT_DIR
    if not (data_dir / "walmart_weekly_store_sales.csv").exists():
        print(f"no Walmart data at {data_dir}", file=sys.stderr)
        return 2
    r = run_dev_benchmark(data_dir)
    print("| variant | weekly WAPE | season-total WAPE | bias | worst season | 80% coverage |")
    print("|---|---|---|---|---|---|")
    for name, v in [*r["variants"].items(), ("all (pooled)", r)]:
        print(f"| {name} | {v['dev_weekly_wape']:.2%} | {v['dev_total_wape']:.2%} | {v['dev_total_bias']:+.2%} | "
              f"{v['worst_total_error']:.1%} | {v['interval_coverage_80']:.1%} |")
    print(f"\nms per series (median, warm): {r['forecast_ms_per_series']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
