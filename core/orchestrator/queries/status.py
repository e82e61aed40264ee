"""The documents the service hands to the CLI and the pages (docs/planning-rules.md §8 plus UI needs)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Literal, overload

from pydantic import BaseModel, Field

from core.orchestrator.steps.states import State, why_not

PHASES = ("parameters", "pre-season", "season start", "in-season", "markdown", "season end")
PhaseStatus = Literal["done", "running", "waiting", "skipped", "pending", "failed"]


class DatasetInfo(BaseModel):
    id: int
    label: str
    categories: list[str]
    stores: int
    weeks: int
    source: str  # demo | upload
    history_start: date | None = None
    history_end: date | None = None
    frequency: str | None = None
    warnings: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    week_start: str = "monday"  # the weekday its weeks start on (lower case)
    detected_week_start: str | None = None  # the weekday every weekly history row is dated on, if any
    column_map: dict[str, str] | None = None  # {our column: theirs} its history was read with


class WorkflowSummary(BaseModel):
    workflow_id: str
    category: str
    state: str
    version: int
    season_start: date
    horizon_weeks: int
    weeks_done: int
    dataset_id: int
    created_at: datetime
    updated_at: datetime


class EventView(BaseModel):
    id: int
    ts: datetime
    kind: str
    step: str | None
    message: str
    data: dict[str, Any] = Field(default_factory=dict)


class ApprovalView(BaseModel):
    id: int
    kind: str  # order | markdown
    week: int | None
    status: str  # pending | accepted | modified
    proposed: float
    decided: float | None
    reason: str | None
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    details: dict[str, Any] = Field(default_factory=dict)


class Phase(BaseModel):
    phase: str
    index: int
    status: PhaseStatus
    reason: str = ""


class DocModel(BaseModel):
    """A part of the status document. Read it by attribute; `doc["key"]` is kept for scripts and
    tests written against the JSON shape (same names, same values)."""

    def __getitem__(self, key: str) -> Any:
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in type(self).model_fields else default


class ForecastWeek(DocModel):
    week: int
    start: str
    plan: float
    original: float
    lo: float
    hi: float


class ForecastView(DocModel):
    total: float
    original_total: float
    method: str
    revision: int
    members: dict[str, float]
    member_weekly: dict[str, list[float]] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    backtest: Any = None
    weights: dict[str, float] = Field(default_factory=dict)  # member -> weight in the plan
    weekly: list[ForecastWeek]


class OrderView(DocModel):
    forecast_total: float
    safety_stock: float
    proposed: int
    approved: int | None = None
    approval_id: int | None = None
    decision: str | None = None
    policy: str = "safety_stock"  # profit | safety_stock (docs/planning-rules.md §6.2)
    rule_quantity: int | None = None
    options: list["OrderOptionView"] = Field(default_factory=list)  # what the order gate showed


class ClusterView(DocModel):
    name: str
    stores: int
    share: float
    units: int
    store_ids: list[str] = Field(default_factory=list)
    avg_weekly_sales: float | None = None
    profile: dict[str, Any] = Field(default_factory=dict)


class AllocationRow(DocModel):
    store_id: str
    cluster: str
    season_total: int
    initial: int
    dc_reserve: int
    shipped: int
    sold: int


class WeekRow(DocModel):
    week: int
    start: str
    actual: float
    plan: float
    original: float
    variance: float
    variance_vs_original: float
    cumulative_variance: float
    reforecast: bool
    emergency: bool
    emergency_qty: int = 0
    shortfall: bool = False  # sold below plan by more than the emergency threshold
    above_threshold: bool = False
    trigger: str | None = None
    days_share: float | None = None  # a confirmed partial week: its days' share of the week's plan


class ReplenishmentRow(DocModel):
    week: int
    for_week: int
    store_id: str
    qty: int
    partial: bool
    need: float
    on_hand: int
    cover_weeks: float | None = None  # weeks of the current plan the on-hand stock covers
    reason: str = ""  # why nothing ships, when qty is 0


class MarkdownOptionView(DocModel):
    depth: float
    sell_through: float  # projected at season end
    leftover: int
    revenue: float | None = None
    margin: float | None = None
    profit: float | None = None  # expected season profit with this depth (None without a cost)
    value: float | None = None  # expected revenue of the remaining weeks + salvage: what the depth is ranked by


class OrderOptionView(DocModel):
    quantity: int
    sold: float  # expected over the season-demand distribution
    lost_sales: float
    leftover: float
    revenue: float | None = None
    profit: float | None = None
    profit_quantiles: dict[str, float] = Field(default_factory=dict)  # p10, p25, p50, p75, p90
    label: str = ""  # proposal | rule | both


class TrendWeekView(DocModel):
    week: int
    actual: float
    plan: float
    variance: float


class MoneyView(DocModel):
    unit_price: float  # 0 = unknown
    unit_cost: float | None = None
    currency: str
    price_source: str  # entered | history | unknown


class MarkdownView(DocModel):
    week: int
    sell_through: float
    proposed: float
    approved: float | None = None
    decision: str | None = None
    target: float
    gap: float
    reason: str | None = None
    sold_to_date: int
    approval_id: int | None = None
    # What each depth would do, the trend against plan, and what the checkpoint rule alone said.
    options: list[MarkdownOptionView] = Field(default_factory=list)
    rule_depth: float | None = None
    recommended: float | None = None
    season_to_date: float | None = None
    trend: list[TrendWeekView] = Field(default_factory=list)
    currency: str | None = None


class SkipView(DocModel):
    phase: str
    reason: str
    week: int | None = None


class PendingApproval(DocModel):
    kind: Literal["order", "markdown"]
    approval_id: int
    proposal: float | int
    week: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    requested_at: str
    # markdown: every depth 0..cap; order: the proposal, the safety-stock rule and quantities around them
    options: list[OrderOptionView | MarkdownOptionView] = Field(default_factory=list)


class ExplanationDoc(DocModel):
    kind: str
    text: str
    source: str
    at: str | None = None
    week: int | None = None
    attempts: int = 0
    error: str | None = None


class StoreWeekRow(DocModel):
    week: int
    store_id: str
    actual: int
    plan: float


class AlertView(DocModel):
    week: int
    kind: str
    quantity: int
    message: str


class QueuedWeek(DocModel):
    week: int
    filename: str
    total: int
    uploaded_by: str
    uploaded_at: datetime
    waits_for: int  # the first earlier week not in yet (the week before it when only the markdown holds it)
    waiting_for: str  # in words: "week 2", "the markdown decision"


class StatusDocument(BaseModel):
    """docs/planning-rules.md §8's status document, typed; `model_dump(mode="json")` is the JSON contract."""

    workflow_id: str
    state: State
    version: int
    category: str
    dataset_id: int
    created_at: datetime
    updated_at: datetime
    parameters: dict[str, Any]
    forecast: ForecastView | None
    order: OrderView | None
    clusters: list[ClusterView]
    silhouette: float | None = None
    allocation: list[AllocationRow]
    dc_on_hand: int | None
    weeks: list[WeekRow]
    weeks_done: int
    replenishment: list[ReplenishmentRow]
    markdown: MarkdownView | None
    skipped: list[SkipView]
    pending: PendingApproval | None
    events: int
    phases: list[Phase]
    explanations: dict[str, ExplanationDoc]
    store_weeks: list[StoreWeekRow]
    alerts: list[AlertView]
    last_error: str | None
    notes: list[str]
    running_step: str | None = None
    running_since: datetime | None = None
    # What the pending step is doing: "queued" (recorded, nobody has claimed it yet), "running" (a live
    # claim), "stalled" (its claim's lease ran out: the process or worker running it stopped; the engine's
    # sweep or `retry` runs it again). None when no step is pending.
    step_claim: str | None = None
    step_heartbeat_at: datetime | None = None
    report_available: bool = False
    source_text: str | None = None
    money: MoneyView | None = None  # unit price, optional cost, currency
    # Week files stored ahead of a missing earlier week, applied by the engine in week order (§3).
    queued_weeks: list[QueuedWeek] = Field(default_factory=list)

    def why_not(self, action: str) -> str | None:
        """None when `action` (decide, upload, close, retry, report) is allowed now, else the reason;
        while a step runs every action but reading waits for it."""
        if self.running_step is not None and action in ("decide", "upload", "close", "retry"):
            return f"step {self.running_step} is running; wait for it to finish"
        return why_not(action, self.state.value)


@overload
def aware(ts: datetime) -> datetime: ...
@overload
def aware(ts: None) -> None: ...
@overload
def aware(ts: datetime | None) -> datetime | None: ...
def aware(ts: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if ts is None:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=timezone.utc)


