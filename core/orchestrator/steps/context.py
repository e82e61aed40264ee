"""The typed workflow context stored as JSON on the workflow row.

Steps receive and return these objects (full pydantic objects, not ids); the database keeps them
as JSON and every read validates them back into the same types.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from core.domain.models import (
    AllocationPlan,
    ClusterResult,
    ForecastResult,
    MarkdownProposal,
    ReplenishmentLine,
    SeasonReport,
    StoreState,
    VarianceRecord,
)
from core.domain.markdown_options import MarkdownOptions
from core.domain.params import SeasonParameters


class StepMarker(BaseModel):
    """The pending step: written with the action that asks for it, cleared by the commit of its
    result. Who runs it is the step's lease (core.db.models.StepLease), not this marker."""

    name: str  # forecast | allocate | week | markdown | close
    args: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime  # when it was asked for
    pid: int | None = None  # (markers written before leases named their process here)
    host: str | None = None
    token: str = ""


class Skip(BaseModel):
    phase: str
    reason: str
    week: int | None = None


class Attention(BaseModel):
    step: StepMarker
    error: str
    error_type: str
    failed_at: datetime
    attempts: int
    # True: the step failed on the data itself (a pure step fails the same way every time), so a
    # retry cannot help; the season can still be closed (retries.is_permanent).
    permanent: bool = False


class OrderInfo(BaseModel):
    forecast_total: float
    safety_stock: float
    proposed: int
    policy: str = "safety_stock"  # profit | safety_stock (docs/planning-rules.md §6.2)
    rule_quantity: int | None = None  # forecast x (1 + safety stock), shown beside a profit proposal
    options: list[dict[str, Any]] = Field(default_factory=list)  # the order options the gate showed
    approved: int | None = None
    approval_id: int | None = None
    decision: str | None = None  # accepted | modified


class StoreWeek(BaseModel):
    week: int
    store_id: str
    actual: int
    plan: float


class Alert(BaseModel):
    week: int
    kind: str  # emergency_reorder
    quantity: int
    message: str


class MarkdownState(BaseModel):
    week: int
    proposal: MarkdownProposal
    approval_id: int | None = None
    approved: float | None = None  # depth decided (None while pending or when none was needed)
    decision: str | None = None  # accepted | modified | not_needed
    options: MarkdownOptions | None = None  # every depth 0..cap projected, and the trend


class SeasonState(BaseModel):
    """Everything the in-season phase folds week by week; a copy is stored after each week."""

    weeks_done: int = 0
    forecast: ForecastResult  # the current plan (re-forecasts replace it)
    allocation: AllocationPlan  # current store season totals (re-allocations replace it)
    stores: list[StoreState]
    dc_on_hand: int
    weeks: list[VarianceRecord] = Field(default_factory=list)
    week_totals: list[int] = Field(default_factory=list)
    store_weeks: list[StoreWeek] = Field(default_factory=list)
    replenishment: list[ReplenishmentLine] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    markdown: MarkdownState | None = None
    reforecast_weeks: list[int] = Field(default_factory=list)
    # Weeks whose |variance| exceeded the threshold, re-forecast or not (the final week cannot be).
    above_threshold_weeks: list[int] = Field(default_factory=list)
    skipped: list[Skip] = Field(default_factory=list)
    forecast_revision: int = 0
    plan_revision: int = 0


class ExplanationView(BaseModel):
    kind: str
    text: str
    source: str
    at: datetime
    week: int | None = None
    attempts: int = 0  # LLM attempts made for this explanation
    error: str | None = None  # why the LLM text was not used (template shown instead)


class WorkflowContext(BaseModel):
    parameters: SeasonParameters
    notes: list[str] = Field(default_factory=list)
    step: StepMarker | None = None
    forecast_original: ForecastResult | None = None
    forecast_warnings: list[str] = Field(default_factory=list)
    order: OrderInfo | None = None
    clusters: ClusterResult | None = None
    allocation_initial: AllocationPlan | None = None
    season: SeasonState | None = None
    skipped: list[Skip] = Field(default_factory=list)
    explanations: dict[str, ExplanationView] = Field(default_factory=dict)
    attention: Attention | None = None
    report: SeasonReport | None = None
    closed_early: bool = False
    started_at: datetime | None = None
    closed_at: datetime | None = None
    step_seconds: dict[str, float] = Field(default_factory=dict)
    history_unit_price: float | None = None  # the history's average selling price, set at forecast

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def season_start(ctx: WorkflowContext) -> date:
    return ctx.parameters.season_start
