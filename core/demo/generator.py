"""Deterministic demo data: stores, three years of daily sales, and a 12-week season in three scenarios.

Everything is one vectorised demand model:

    expected units(day, store, category) = category base x yearly season(day) x weekday(day)
        x holidays(day) x trend(day) x store effect(store, category)

and the observed units are Poisson draws around it with gamma-distributed day-to-day noise (a
negative binomial, as real sales are over-dispersed). The season actuals continue the same process
past the end of history, scaled by a scenario level and a demand shock in week 5, so a forecast
fitted on the history is tested against something it could plausibly have predicted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from core.domain.forecast.holidays import easter_sunday, nth_weekday
from core.domain.ingest.stores import FASHION_TIERS, LOCATION_TIERS, REGIONS, STORE_FORMATS

CATEGORIES: tuple[str, ...] = ("Women's Dresses", "Men's Shirts", "Accessories")
HISTORY_START = date(2023, 1, 1)
HISTORY_END = date(2025, 12, 31)
SEASON_START = date(2026, 2, 23)  # Monday of the week of 1 March 2026
HORIZON_WEEKS = 12
SHOCK_WEEK = 5


@dataclass(frozen=True)
class Scenario:
    level: float  # demand relative to the normal trajectory for the whole season
    shock: float  # extra multiplier in SHOCK_WEEK


SCENARIOS: dict[str, Scenario] = {
    "normal": Scenario(level=1.00, shock=1.30),
    "high": Scenario(level=1.20, shock=1.35),
    "low": Scenario(level=0.80, shock=0.70),
}


@dataclass(frozen=True)
class CategoryModel:
    base: float  # units per day in an average store, before seasonality
    price: float  # average selling price
    amplitude: float  # strength of the yearly cycle
    peak_day: int  # day of year of the seasonal peak
    christmas: float  # extra demand at the Christmas peak (fraction)
    easter: float
    mothers_day: float


CATEGORY_MODELS: dict[str, CategoryModel] = {
    "Women's Dresses": CategoryModel(base=28.0, price=54.0, amplitude=0.38, peak_day=165,
                                     christmas=0.25, easter=0.15, mothers_day=0.20),
    "Men's Shirts": CategoryModel(base=22.0, price=38.0, amplitude=0.15, peak_day=140,
                                  christmas=0.55, easter=0.10, mothers_day=0.0),
    "Accessories": CategoryModel(base=19.0, price=23.0, amplitude=0.10, peak_day=330,
                                 christmas=0.90, easter=0.10, mothers_day=0.45),
}
# Monday..Sunday: weekends sell more.
WEEKDAY_FACTORS = np.array([0.85, 0.85, 0.90, 0.95, 1.08, 1.32, 1.05])
ANNUAL_TREND = 0.04  # +4% a year
NOISE_SHAPE = 25.0  # gamma shape of the day-level noise; larger = closer to plain Poisson


@dataclass
class DemoData:
    stores: pd.DataFrame  # docs/planning-rules.md §3 stores format
    history: pd.DataFrame  # date (datetime64), store_id, category, quantity_sold, revenue
    actuals: dict[str, pd.DataFrame]  # scenario -> date, store_id, category, quantity_sold, week
    season_start: date = SEASON_START
    horizon_weeks: int = HORIZON_WEEKS
    categories: list[str] = field(default_factory=lambda: list(CATEGORIES))
    scenarios: dict[str, Scenario] = field(default_factory=lambda: dict(SCENARIOS))


def generate_demo(
    seed: int = 2026,
    n_stores: int = 50,
    *,
    history_start: date = HISTORY_START,
    history_end: date = HISTORY_END,
    season_start: date = SEASON_START,
    horizon_weeks: int = HORIZON_WEEKS,
    shocks: bool = True,
) -> DemoData:
    """The same seed and arguments always give the same data (bit for bit)."""
    if n_stores < len(STORE_FORMATS):
        raise ValueError(f"n_stores = {n_stores}: at least {len(STORE_FORMATS)} stores are needed "
                         "so that every store attribute value appears")
    if season_start.weekday() != 0:
        raise ValueError(f"season_start {season_start} must be a Monday")
    streams = np.random.SeedSequence(seed).spawn(4)
    store_rng, history_rng = np.random.default_rng(streams[0]), np.random.default_rng(streams[1])
    stores, effects, price_factor = _stores(store_rng, n_stores)

    days = pd.date_range(history_start, history_end, freq="D")
    expected = _expected_units(days, effects, history_start)  # (day, store, category)
    quantity = _draw(history_rng, expected)
    prices = np.array([CATEGORY_MODELS[c].price for c in CATEGORIES])
    unit_price = prices[None, None, :] * price_factor[None, :, None]
    wobble = history_rng.uniform(0.96, 1.04, size=quantity.shape)
    revenue = np.round(quantity * unit_price * wobble, 2)
    history = _long_frame(days, stores["store_id"].to_numpy(), quantity)
    history["revenue"] = revenue.reshape(-1)

    # Average weekly units over the last 52 weeks, as a retailer's store master would hold it.
    last_year = quantity[-364:].sum(axis=(0, 2)) / 52.0
    stores.insert(1, "avg_weekly_sales_12mo", np.round(last_year).astype(np.int64))

    season_days = pd.date_range(season_start, periods=7 * horizon_weeks, freq="D")
    season_expected = _expected_units(season_days, effects, history_start)
    actuals = {
        name: _season_actuals(
            streams[2], name, scenario, season_days, season_expected, stores["store_id"].to_numpy(),
            horizon_weeks, shocks,
        )
        for name, scenario in SCENARIOS.items()
    }
    return DemoData(stores=stores, history=history, actuals=actuals, season_start=season_start,
                    horizon_weeks=horizon_weeks)


# ---------------------------------------------------------------- stores
def _stores(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Store attributes driven by one latent 'affluence' score so they correlate as in real estates.

    Returns the frame, the store x category demand effect and a per-store price factor.
    """
    width = max(3, len(str(n)))
    ids = np.array([f"S{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    affluence = rng.normal(size=n)
    size_score = 0.5 * affluence + rng.normal(scale=0.85, size=n)

    income = np.round(68_000 * np.exp(0.28 * affluence + rng.normal(scale=0.08, size=n)), -3)
    size = np.round(11_000 * np.exp(0.30 * size_score), -2)
    location = _by_rank(affluence + rng.normal(scale=0.5, size=n), LOCATION_TIERS, (0.3, 0.4, 0.3))
    fashion = _by_rank(affluence + rng.normal(scale=0.6, size=n), FASHION_TIERS, (0.3, 0.45, 0.25))
    # Malls for affluent areas, outlets for value shoppers, the rest in between.
    format_score = affluence + rng.normal(scale=0.9, size=n)
    store_format = _by_rank(format_score, STORE_FORMATS, (0.35, 0.25, 0.25, 0.15))
    # Regions are spread evenly, in random order: a chain covers its territory.
    region = rng.permutation(np.resize(np.asarray(REGIONS, dtype=object), n))
    for column, allowed in ((location, LOCATION_TIERS), (fashion, FASHION_TIERS),
                            (store_format, STORE_FORMATS), (region, REGIONS)):
        _cover_every_value(column, allowed)

    tier_effect = {"A": 0.20, "B": 0.0, "C": -0.18}
    format_effect = {"Mall": 0.12, "Standalone": 0.0, "ShoppingCenter": 0.03, "Outlet": -0.10}
    level = (
        0.35 * np.log(size / 11_000)
        + np.array([tier_effect[v] for v in location])
        + np.array([format_effect[v] for v in store_format])
        + rng.normal(scale=0.12, size=n)
    )
    # Premium stores lean to dresses, value stores to basics; the mix differs per category.
    premium = np.array([{"Premium": 1.0, "Mainstream": 0.0, "Value": -1.0}[v] for v in fashion])
    mix = np.stack([0.10 * premium, -0.06 * premium, 0.02 * premium], axis=1)
    effects = np.exp(level[:, None] + mix + rng.normal(scale=0.05, size=(n, len(CATEGORIES))))
    price_factor = np.exp(0.08 * premium)

    frame = pd.DataFrame(
        {
            "store_id": ids,
            "store_size_sqft": size.astype(np.int64),
            "median_income": income.astype(np.int64),
            "location_tier": location,
            "fashion_tier": fashion,
            "store_format": store_format,
            "region": region,
        }
    )
    return frame, effects, price_factor


def _by_rank(score: np.ndarray, labels: tuple[str, ...], shares: tuple[float, ...]) -> np.ndarray:
    """Highest scores get the first label, in the given proportions."""
    order = np.argsort(-score, kind="stable")
    bounds = np.round(np.cumsum(shares) * score.size).astype(int)
    out = np.empty(score.size, dtype=object)
    start = 0
    for label, end in zip(labels, bounds):
        out[order[start:end]] = label
        start = end
    out[order[start:]] = labels[-1]
    return out


def _cover_every_value(column: np.ndarray, allowed: tuple[str, ...]) -> None:
    """Make sure each allowed value appears (small store counts can miss one by chance)."""
    for value in allowed:
        if (column == value).any():
            continue
        labels, counts = np.unique(column, return_counts=True)
        donor = labels[np.argmax(counts)]  # take a store from the most common value
        column[np.flatnonzero(column == donor)[-1]] = value


# ---------------------------------------------------------------- demand
def _expected_units(days: pd.DatetimeIndex, effects: np.ndarray, origin: date) -> np.ndarray:
    """Expected units per (day, store, category)."""
    day_factor = np.stack([_day_factor(days, CATEGORY_MODELS[c], origin) for c in CATEGORIES], axis=1)
    return day_factor[:, None, :] * effects[None, :, :]


def _day_factor(days: pd.DatetimeIndex, model: CategoryModel, origin: date) -> np.ndarray:
    doy = days.dayofyear.to_numpy()
    yearly = 1.0 + model.amplitude * np.cos(2 * np.pi * (doy - model.peak_day) / 365.25)
    weekday = WEEKDAY_FACTORS[days.weekday.to_numpy()]
    years = (days - pd.Timestamp(origin)).days.to_numpy() / 365.25
    trend = np.exp(ANNUAL_TREND * years)
    return model.base * yearly * weekday * trend * _holidays(days, model)


def _holidays(days: pd.DatetimeIndex, model: CategoryModel) -> np.ndarray:
    factor = np.ones(len(days))
    day_numbers = days.to_numpy().astype("datetime64[D]")
    for year in range(days.year.min(), days.year.max() + 1):
        def near(center: date, before: int, after: int) -> tuple[np.ndarray, np.ndarray]:
            offset = (day_numbers - np.datetime64(center, "D")).astype(int)
            return (offset >= -before) & (offset <= after), offset

        # Black Friday weekend: the day after the fourth Thursday of November, to Cyber Monday.
        black_friday = nth_weekday(year, 11, 3, 4) + timedelta(days=1)
        window, _ = near(black_friday, 0, 3)
        factor[window] *= 1.0 + 0.8 * model.christmas + 0.25
        # Christmas: builds over three weeks, closed on the day, quiet just after.
        window, offset = near(date(year, 12, 24), 20, 0)
        factor[window] *= 1.0 + model.christmas * (1.0 - np.abs(offset[window]) / 21.0)
        factor[day_numbers == np.datetime64(date(year, 12, 25), "D")] *= 0.15
        # Easter week and the week before Mother's Day (second Sunday of May).
        window, _ = near(easter_sunday(year), 6, 1)
        factor[window] *= 1.0 + model.easter
        window, _ = near(nth_weekday(year, 5, 6, 2), 7, 0)
        factor[window] *= 1.0 + model.mothers_day
    return factor


def _draw(rng: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    noise = rng.gamma(NOISE_SHAPE, 1.0 / NOISE_SHAPE, size=expected.shape)
    return rng.poisson(expected * noise).astype(np.int64)


def _long_frame(days: pd.DatetimeIndex, store_ids: np.ndarray, quantity: np.ndarray) -> pd.DataFrame:
    """(day, store, category) cube -> rows ordered by date, store, category."""
    n_days, n_stores, n_cats = quantity.shape
    return pd.DataFrame(
        {
            "date": np.repeat(days.to_numpy(), n_stores * n_cats),
            "store_id": np.tile(np.repeat(store_ids, n_cats), n_days),
            "category": np.tile(np.asarray(CATEGORIES, dtype=object), n_days * n_stores),
            "quantity_sold": quantity.reshape(-1),
        }
    )


def _season_actuals(
    parent: np.random.SeedSequence,
    name: str,
    scenario: Scenario,
    days: pd.DatetimeIndex,
    expected: np.ndarray,
    store_ids: np.ndarray,
    horizon_weeks: int,
    shocks: bool,
) -> pd.DataFrame:
    # One random stream per (scenario, week): switching the shock off changes week 5 and nothing else.
    scenario_seq = np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, list(SCENARIOS).index(name)))
    week_seqs = scenario_seq.spawn(horizon_weeks)
    weeks = []
    for k in range(horizon_weeks):
        block = expected[7 * k : 7 * (k + 1)] * scenario.level
        if shocks and k + 1 == SHOCK_WEEK:
            block = block * scenario.shock
        weeks.append(_draw(np.random.default_rng(week_seqs[k]), block))
    frame = _long_frame(days, store_ids, np.concatenate(weeks, axis=0))
    frame["week"] = np.repeat(np.arange(1, horizon_weeks + 1), 7 * len(store_ids) * len(CATEGORIES))
    return frame
