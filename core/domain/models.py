"""Typed objects handed between the engines and the orchestrator (full objects, not ids).

These are the contracts between the forecast engine, the planning engine, the ingestion layer
and the orchestrator. Keep them JSON-serialisable: the orchestrator stores them as they are.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


# ---------------------------------------------------------------- forecast (docs/planning-rules.md §4.1, 4.2, 4.7)
class WeekForecast(BaseModel):
    week: int  # 1-based season week
    start: date  # Monday of that week
    plan: float
    lo: float  # 80% interval
    hi: float


class ForecastResult(BaseModel):
    category: str
    method: str  # e.g. "ensemble(mstl+theta)"; plain words on what changed after a re-forecast / markdown
    weeks: list[WeekForecast]
    members: dict[str, float] = Field(default_factory=dict)  # member name -> season total
    member_weekly: dict[str, list[float]] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    revision: int = 0  # 0 = original forecast; +1 per re-forecast
    based_on_weeks: int = 0  # how many actual weeks the revision used
    # Held-out accuracy of the ensemble and each member on the last weeks of history:
    # {"ensemble": {"wape", "mape", "bias", "weeks", "origin"}, "<member>": {...}} (docs/forecasting.md).
    backtest: dict[str, dict[str, float | int | str]] = Field(default_factory=dict)
    # Week-to-week wobble of the history around its level (log sd), the observation noise of a re-forecast.
    noise_sigma: float | None = None
    # Log level correction a re-forecast applied to each week's plan (empty = none): plan / exp(level) is
    # the plan before any correction, so every revision can refit the level on all actual weeks.
    level: list[float] = Field(default_factory=list)
    # Log demand multiplier of an approved markdown per week (empty = none; docs/planning-rules.md §4.8's assumed price
    # response): a re-forecast measures the real response on the weeks after the markdown.
    response: list[float] = Field(default_factory=list)
    # Weight of each member in the plan (sums to 1; docs/forecasting.md says how they are chosen).
    weights: dict[str, float] = Field(default_factory=dict)
    # Log level correction the seasonal-average member took from the last 4 weeks (0 = none).
    level_shift: float = 0.0
    # Calibrated season-demand distribution (docs/forecasting.md, "Intervals"): the series' error scale,
    # the share of a week's error the whole season shares, and the plausibility guard's cap on a season
    # total with its notes. None / empty on forecasts stored before these existed.
    interval_scale: float | None = None
    week_correlation: float | None = None
    demand_cap: float | None = None
    guard_notes: list[str] = Field(default_factory=list)

    @property
    def total(self) -> float:
        return float(sum(w.plan for w in self.weeks))


# ---------------------------------------------------------------- clusters and allocation (4.4, 4.5)
class ClusterInfo(BaseModel):
    name: str
    stores: list[str]
    avg_weekly_sales: float
    profile: dict[str, float] = Field(default_factory=dict)  # mean of each raw feature


class ClusterResult(BaseModel):
    clusters: list[ClusterInfo]
    assignments: dict[str, str]  # store_id -> cluster name
    silhouette: float
    features: list[str]
    sales_basis: str = ""  # where avg weekly sales came from (category history or the 12-month figure)


class ClusterAllocation(BaseModel):
    name: str
    stores: int
    share: float
    units: int


class StoreAllocation(BaseModel):
    store_id: str
    cluster: str
    season_total: int
    initial: int
    dc_reserve: int


class AllocationPlan(BaseModel):
    order_qty: int
    dc_holdback: float
    clusters: list[ClusterAllocation]
    stores: list[StoreAllocation]
    share_basis: str  # e.g. "same weeks last year (2024-02-26..2024-05-19)" or "all history"

    @property
    def dc_on_hand(self) -> int:
        return int(sum(s.dc_reserve for s in self.stores))


# ---------------------------------------------------------------- in-season (4.6, 4.7)
class StoreState(BaseModel):
    store_id: str
    season_total: int
    shipped: int  # shipped so far (initial + replenishment)
    sold: int  # sold so far


class ReplenishmentLine(BaseModel):
    week: int
    store_id: str
    need: float  # units the next cycle calls for (demand rule: its plan share incl. safety stock)
    on_hand: int  # store stock when the shipment is planned
    qty: int
    partial: bool  # got less than it asked for because the DC ran short
    # Demand rule: weeks of the current plan the on-hand stock covers before the shipment
    # (None when the store has no planned demand), and why nothing ships when qty is 0.
    cover_weeks: float | None = None
    reason: str = ""


class VarianceRecord(BaseModel):
    week: int
    start: date
    actual: float
    plan: float  # current plan for this week at the time the actuals arrived
    original: float  # original forecast for this week
    variance: float  # (actual - plan) / plan
    variance_vs_original: float
    cumulative_variance: float  # season to date, against the current plan
    # |variance| > variance_threshold, or the week's demand estimated behind its stockouts is
    # (docs/planning-rules.md §4.7)
    reforecast: bool
    emergency: bool
    emergency_qty: int = 0
    shortfall: bool = False  # sold below plan by more than the emergency threshold (an alert, no reorder)
    store_variance: dict[str, float] = Field(default_factory=dict)
    # A confirmed partial week: the share of the week's plan its days carry (plan and original are that part).
    days_share: float | None = None


# ---------------------------------------------------------------- markdown (4.8)
class MarkdownProposal(BaseModel):
    week: int
    sold_to_date: int
    approved_qty: int
    sell_through: float
    target: float
    gap: float
    depth: float  # 0.0 = no markdown
    reason: str = ""  # why this depth (or why none), in words


# ---------------------------------------------------------------- season end (4.9)
class TuningAdvice(BaseModel):
    parameter: str
    current: float | int | str | None
    recommended: float | int | str | None
    reason: str


class SeasonReport(BaseModel):
    mape: dict[str, float | None]  # {"original": x, "final": y}
    wape: dict[str, float | None]
    bias: dict[str, float | None]
    weeks_observed: int
    stockout_store_weeks: int
    lost_sales_estimate: int
    lost_sales_estimated: int | None = None  # the same figure under the name the report documents
    overstock_units: int
    sell_through: float
    markdown_units: int
    markdown_cost: float
    unit_price: float
    reforecast_weeks: list[int]
    approvals: dict[str, int]  # {"accepted": n, "modified": m}
    runtime_s: float
    closed_early: bool
    tuning: list[TuningAdvice]
    next_parameters: dict  # SeasonParameters fields for the next season
    # Money: None when the unit price (for margin: the unit cost) is unknown.
    currency: str = "USD"
    unit_cost: float | None = None
    revenue: float | None = None
    margin: float | None = None  # gross margin on units sold
    # revenue - unit cost x units made + salvage x leftover (docs/planning-rules.md §6)
    profit: float | None = None
    salvage_value: float = 0.0
