"""Decision benchmark of `python -m core bench`: real past seasons replayed through the product's own
simulator (core/domain/simulation), the product's default rules against the seed's rules and an oracle.

Seasons (docs/performance.md, "Decisions that earn money"):
  reference  ../shared/data/anchor: the three categories (daily units), four 12-week seasons each
  walmart    ../shared/data/walmart: six of the largest departments (weekly dollars taken as units,
             Saturday weeks), three 12-week seasons each
Economics of every season: price 1, cost 0.5, salvage 0.25 a leftover unit.

Per season and rule set, one replay of the season's actual store-week demand:
  profit   revenue - cost x order + salvage x leftover (core/domain/money.py)
  oracle   the same simulator with the order exactly the season's demand and the seed's other rules
  oracle_default   the order exactly the season's demand with the product's own other rules (placement,
           replenishment, markdown): the stricter yardstick, since it gains from the better placement too
Figures:
  profit_vs_oracle_median / _worst   median / lowest over the seasons of profit / the oracle's profit
  profit_vs_default_oracle_median / _worst   the same against oracle_default
  lost_sales_share                   median over the seasons of lost sales / demand
  lost_while_dc_holds_share          store-weeks with lost sales while the DC still held stock, over all
                                     store-weeks with lost sales (pooled over the seasons)
  beats_seed_share                   seasons where the default's profit >= the seed rule's
  lost_sales_estimate_ratio_median   the season report's lost-sales estimate (from the censored sales
                                     alone) / the replay's true lost sales, median over the season x rule
                                     sets that lost at least 0.5% of demand (lost_sales_estimate_seasons)
each with `seed_` beside it for the seed's rules (safety-stock order, 0.45 holdback, shares 70% same
weeks last year + 30% floor space, replenishment to plan x (1 + safety stock), the gap markdown rule,
price response 1.0), restored here by `seed_rules()` (frozen copies; the product no longer uses them).
  order_options_s   warm: decide_order on the demo season's forecast (median of runs)

Run: python -m core.bench.decisions [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.bench.seed_rules import seed_rules

def _data_dir() -> Path:
    """../shared/data beside the checkout (a worktree one level deeper looks one more level up)."""
    here = Path(__file__).resolve().parents[2]
    for base in (here.parent, here.parent.parent):
        if (base / "shared" / "data").exists():
            return base / "shared" / "data"
    return here.parent / "shared" / "data"


DATA_DIR = _data_dir()
PRICE, COST, SALVAGE = 1.0, 0.5, 0.25
HORIZON = 12
ANCHOR_STARTS = [date(2023, 3, 6), date(2023, 9, 4), date(2024, 3, 4), date(2024, 9, 2)]
WALMART_DEPTS = ["92", "95", "38", "72", "90", "2"]
WALMART_STARTS = [date(2011, 5, 7), date(2012, 2, 4), date(2012, 7, 28)]


@dataclass
class Dataset:
    name: str
    history: pd.DataFrame  # history frame: week_start, store_id, category, quantity
    stores: pd.DataFrame
    week_start: str
    seasons: list[tuple[str, date]]  # (category, start)


def load_anchor(data_dir: Path = DATA_DIR) -> Dataset:
    from core.domain.ingest import parse_history, parse_stores

    base = Path(data_dir) / "anchor"
    history = parse_history((base / "historical_sales_2022_2024.csv").read_bytes(), "history.csv").frame
    stores = parse_stores((base / "store_attributes.csv").read_bytes(), "stores.csv").frame
    cats = sorted(history["category"].astype(str).unique())
    return Dataset("reference", history, stores, "monday", [(c, s) for c in cats for s in ANCHOR_STARTS])


def load_walmart(data_dir: Path = DATA_DIR, depts: list[str] | None = None) -> Dataset:
    base = Path(data_dir) / "walmart"
    depts = depts or WALMART_DEPTS
    sales = pd.read_csv(base / "walmart_weekly_store_sales.csv", usecols=["week_start", "store_id", "category",
                                                                           "sales_usd"])
    sales["category"] = sales["category"].astype(str)
    sales = sales[sales["category"].isin(depts)]
    history = pd.DataFrame({
        "week_start": pd.to_datetime(sales["week_start"]).dt.date, "store_id": sales["store_id"].astype(str),
        "category": sales["category"], "quantity": np.floor(sales["sales_usd"].clip(lower=0.0) + 0.5),
        "revenue": np.nan, "days": 7}).reset_index(drop=True)
    info = pd.read_csv(base / "walmart_stores.csv")
    mean = history.groupby("store_id")["quantity"].sum() / history["week_start"].nunique()
    ids = info["store_id"].astype(str)
    stores = pd.DataFrame({
        "store_id": ids, "avg_weekly_sales_12mo": mean.reindex(ids).fillna(0.0).to_numpy(),
        "store_size_sqft": info["size"].astype(float), "median_income": 0.0,
        "location_tier": info["type"].astype(str), "fashion_tier": "Mainstream", "store_format": "Standalone",
        "region": "Midwest"})
    return Dataset("walmart", history, stores, "saturday", [(d, s) for d in depts for s in WALMART_STARTS])


# --------------------------------------------------------------------------------------- one season
@dataclass
class Replayed:
    dataset: str
    category: str
    start: date
    demand: float
    profit: dict[str, float]
    lost_share: dict[str, float]
    lost_weeks: dict[str, tuple[int, int]]  # (store-weeks with lost sales, of them while the DC held stock)
    orders: dict[str, int]
    extra: dict[str, Any]


def _profit(run: Any, metrics: dict[str, np.ndarray]) -> float:
    revenue = float(metrics["revenue"][0])
    return revenue - COST * run.setup.order_qty + SALVAGE * float(metrics["leftover"][0])


def lost_while_dc(run: Any) -> tuple[int, int]:
    """(store-weeks with lost sales, of them those where the DC held stock as the week began)."""
    from core.domain.simulation.metrics import weekly_paths

    lost = (run.demand - run.sold)[0] > 0  # (S, W)
    dc = weekly_paths(run)["dc_stock"][0]  # at the end of each week, after its replenishment left
    before = np.concatenate([[float(run.setup.allocation.dc_on_hand)], dc[:-1]])
    return int(lost.sum()), int((lost & (before[None, :] > 0)).sum())


def replay_season(ds: Dataset, category: str, start: date, sets: dict[str, dict[str, Any]]) -> Replayed:
    """Each named set of SeasonParameters overrides on the season's actual demand (see module docstring)."""
    from core.domain.clustering import cluster_stores
    from core.domain.forecast import category_weekly_series, forecast_season, store_category_panel
    from core.domain.simulation import parameter_set, path_metrics, prepare_season, replay_cut, simulate

    rows = ds.history[ds.history["category"] == category].reset_index(drop=True)
    cut = replay_cut(rows, category, start, HORIZON)
    ids = ds.stores["store_id"].astype(str).tolist()
    units = cut.demand(ids)
    fc = forecast_season(category_weekly_series(cut.history, category).values, season_start=start,
                         horizon_weeks=HORIZON, category=category, backtest=False,
                         panel=store_category_panel(cut.history, category))
    clusters = cluster_stores(ds.stores, cut.history, category, 3)
    out = Replayed(ds.name, category, start, float(units.sum()), {}, {}, {}, {}, {})
    for name, overrides in sets.items():
        rules = overrides.pop("_rules", None)
        base = {"category": category, "season_start": start.isoformat(), "horizon_weeks": HORIZON,
                "week_start": ds.week_start, "unit_price": PRICE, "unit_cost": COST, "salvage_value": SALVAGE}
        if overrides.pop("_oracle", False):
            overrides["order_qty"] = max(1, int(units.sum()))
        pset = parameter_set({**base, **overrides}, source=name, default_name=name)
        with (rules() if rules else _nothing()):
            setup = prepare_season(pset, fc, clusters=clusters, stores=ds.stores, history=cut.history,
                                   unit_price=PRICE)
            run = simulate(setup, units)
        m = path_metrics(run, COST)
        out.profit[name] = _profit(run, m)
        out.lost_share[name] = float(m["lost_sales"][0]) / max(1.0, float(units.sum()))
        out.lost_weeks[name] = lost_while_dc(run)
        out.orders[name] = setup.order_qty
        out.extra[name] = {"leftover_dc": float(m["leftover_dc"][0]), "markdown": float(run.markdown_depth[0]),
                           "lost": float(m["lost_sales"][0]), "lost_estimated": float(m["lost_sales_estimated"][0])}
    return out


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# --------------------------------------------------------------------------------------- the figures
SEED_SET: dict[str, Any] = {"order_policy": "safety_stock", "safety_stock": 0.20, "dc_holdback": 0.45,
                            "price_elasticity": 1.0}
DEFAULT_SET: dict[str, Any] = {}


def rule_sets() -> dict[str, dict[str, Any]]:
    return {"default": dict(DEFAULT_SET), "seed": {**SEED_SET, "_rules": seed_rules},
            "oracle": {**SEED_SET, "_rules": seed_rules, "_oracle": True},
            "oracle_default": {**DEFAULT_SET, "_oracle": True}}


def summarise(seasons: list[Replayed], names: tuple[str, ...] = ("default", "seed")) -> dict[str, Any]:
    out: dict[str, Any] = {"decision_seasons": len(seasons)}
    for name in names:
        prefix = "" if name == "default" else f"{name}_"
        ratio = [s.profit[name] / s.profit["oracle"] for s in seasons if s.profit["oracle"] > 0]
        lost = [s.lost_share[name] for s in seasons]
        weeks = np.array([s.lost_weeks[name] for s in seasons]).sum(axis=0)
        out[f"{prefix}profit_vs_oracle_median"] = round(float(np.median(ratio)), 4)
        out[f"{prefix}profit_vs_oracle_worst"] = round(float(np.min(ratio)), 4)
        if all("oracle_default" in s.profit for s in seasons):
            strict = [s.profit[name] / s.profit["oracle_default"] for s in seasons if s.profit["oracle_default"] > 0]
            out[f"{prefix}profit_vs_default_oracle_median"] = round(float(np.median(strict)), 4)
            out[f"{prefix}profit_vs_default_oracle_worst"] = round(float(np.min(strict)), 4)
        out[f"{prefix}lost_sales_share"] = round(float(np.median(lost)), 4)
        out[f"{prefix}lost_while_dc_holds_share"] = round(float(weeks[1] / weeks[0]) if weeks[0] else 0.0, 4)
    # The report's estimate of lost sales from the censored sales alone, against the replay's true lost
    # sales, over every season and rule set that lost at least 0.5% of demand (docs/planning-rules.md §4.7).
    pairs = [(s.extra[n]["lost_estimated"], s.extra[n]["lost"]) for s in seasons for n in s.extra
             if "lost" in s.extra[n] and s.extra[n]["lost"] >= 0.005 * s.demand]
    if pairs:
        out["lost_sales_estimate_ratio_median"] = round(float(np.median([e / t for e, t in pairs])), 4)
        out["lost_sales_estimate_seasons"] = len(pairs)
    if "seed" in names and "default" in names:
        out["beats_seed_share"] = round(float(np.mean([s.profit["default"] >= s.profit["seed"] - 1e-6
                                                       for s in seasons])), 4)
    return out


def replay_all(quick: bool = False, sets: dict[str, dict[str, Any]] | None = None,
               data_dir: Path = DATA_DIR) -> list[Replayed]:
    datasets = [load_anchor(data_dir), load_walmart(data_dir, WALMART_DEPTS[:2] if quick else None)]
    seasons = []
    for ds in datasets:
        todo = ds.seasons[::4] if quick else ds.seasons
        for category, start in todo:
            chosen = {k: dict(v) for k, v in (sets or rule_sets()).items()}
            seasons.append(replay_season(ds, category, start, chosen))
    return seasons


def bench_order_options(runs: int = 5) -> float:
    """order_options_s: decide_order on the demo season's forecast, warm (median of `runs`)."""
    from core.demo import CATEGORIES, SEASON_START, demo_csv_bytes
    from core.domain.forecast import category_weekly_series, forecast_season, store_category_panel
    from core.domain.ingest import parse_history
    from core.domain.money import Money
    from core.domain.order import decide_order, plausible_season_cap
    from core.domain.params import make_parameters

    history = parse_history(demo_csv_bytes()[0], "history.csv").frame
    p = make_parameters({"category": CATEGORIES[0], "season_start": SEASON_START.isoformat(), "unit_cost": 20.0,
                         "unit_price": 50.0, "salvage_value": 10.0})
    fc = forecast_season(category_weekly_series(history, p.category).values, season_start=p.season_start,
                         horizon_weeks=p.horizon_weeks, category=p.category, backtest=False,
                         panel=store_category_panel(history, p.category))
    money = Money(unit_price=50.0, unit_cost=20.0, salvage_value=10.0)
    times = []
    for _ in range(runs + 1):
        t = time.perf_counter()
        decide_order(fc, p, money, cap=plausible_season_cap(history, p.category, p.horizon_weeks))
        times.append(time.perf_counter() - t)
    return round(statistics.median(times[1:]), 4)


def bench_decisions(quick: bool = False, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    out: dict[str, Any] = {"order_options_s": bench_order_options()}
    if (Path(data_dir) / "anchor").exists() and (Path(data_dir) / "walmart").exists():
        seasons = replay_all(quick, data_dir=data_dir)
        out.update(summarise(seasons))
    return out


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    seasons = replay_all(quick)
    for s in seasons:
        print(f"{s.dataset:9} {s.category:16} {s.start}  demand {s.demand:>12,.0f}  "
              + "  ".join(f"{k} {s.profit[k] / s.profit['oracle']:.3f} (order {s.orders[k]:,}, lost "
                          f"{s.lost_share[k]:.1%})" for k in s.profit if not k.startswith("oracle")))
    for key, value in summarise(seasons).items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
