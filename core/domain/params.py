"""SeasonParameters: the single source of truth for what a season plan does (docs/planning-rules.md §2).

Every rule lives here so the UI form, the CLI and the agents all validate the same way.
Error messages name the field, the value and the allowed range.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.domain.calendar import monday_of  # noqa: F401 (re-exported: callers import it from here)
from core.domain.calendar import WEEKDAYS, start_of_week, week_span, weekday_index, weekday_name
from core.domain.errors import PlannerError

Replenishment = Literal["none", "weekly", "bi-weekly"]
REPLENISHMENT_CHOICES: tuple[str, ...] = ("none", "weekly", "bi-weekly")
# How the manufacturing order is proposed (docs/planning-rules.md §6.2): the quantity with the
# highest expected season profit, or the forecast total plus the safety stock.
OrderPolicy = Literal["profit", "safety_stock"]
ORDER_POLICIES: tuple[str, ...] = ("profit", "safety_stock")

# (min, max, min_inclusive, max_inclusive) per numeric field; the UI form reads these too.
BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    "horizon_weeks": (1, 52, True, True),
    "dc_holdback": (0.0, 0.9, True, True),
    "safety_stock": (0.0, 1.0, True, True),
    "markdown_target": (0.0, 1.0, True, True),
    "variance_threshold": (0.05, 1.0, True, True),
    "emergency_threshold": (0.05, 5.0, False, True),
    "markdown_elasticity": (0.0, 20.0, False, True),
    "markdown_step": (0.0, 0.5, False, True),
    "markdown_cap": (0.0, 0.9, True, True),
    "price_elasticity": (0.0, 10.0, False, True),
    "n_clusters": (2, 8, True, True),
    "unit_price": (0.0, 1_000_000.0, False, True),
    "unit_cost": (0.0, 1_000_000.0, True, True),
    "salvage_value": (0.0, 1_000_000.0, True, True),
}
# ISO 4217-style code: three letters, e.g. USD, EUR, GBP (upper-cased on input).
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
DEFAULT_CURRENCY = "USD"

# Chosen by replaying 30 past seasons of both benchmark data sets (docs/performance.md, "Decisions that
# earn money"): 0.10 gave the highest median profit on each; the seed had 0.45.
DEFAULT_DC_HOLDBACK = 0.10
DEFAULT_SAFETY_STOCK = 0.20
DEFAULT_SAFETY_STOCK_NO_REPLENISHMENT = 0.25
DEFAULT_MARKDOWN_WEEK = 6
# Demand response to a markdown when the planner gives none and the history cannot tell (its unit price
# never varies enough): the mean price elasticity of Tellis's meta-analysis of 367 published estimates
# (G. Tellis, "The Price Elasticity of Selective Demand", Journal of Marketing Research 25, 1988: -1.76).
# docs/planning-rules.md §6.3.
DEFAULT_PRICE_ELASTICITY = 1.76
# Seasons start within the years a history may cover (MIN_YEAR..MAX_YEAR of core/domain/ingest/limits.py,
# not imported: ingest imports this module), plus two years of forecast lead.
SEASON_YEARS = (1990, 2102)


class ParameterError(PlannerError):
    """Raised with one readable message per invalid field."""


def range_text(field: str) -> str:
    lo, hi, lo_inc, hi_inc = BOUNDS[field]
    left = "[" if lo_inc else "("
    right = "]" if hi_inc else ")"
    return f"{left}{lo:g}, {hi:g}{right}"


class SeasonParameters(BaseModel):
    """Parameters of one season plan. Optional fields resolve to their documented defaults."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    category: str = Field(min_length=1, max_length=200)
    season_start: date
    horizon_weeks: int = 12
    replenishment: Replenishment = "weekly"
    dc_holdback: float | None = None
    safety_stock: float | None = None
    markdown_week: int | None = DEFAULT_MARKDOWN_WEEK
    markdown_target: float | None = 0.60
    variance_threshold: float = 0.20
    emergency_threshold: float = 0.30
    markdown_elasticity: float = 2.0
    markdown_step: float = 0.05
    markdown_cap: float = 0.40
    price_elasticity: float = DEFAULT_PRICE_ELASTICITY
    n_clusters: int = 3
    # Money: None = the average selling price of the history's revenue rows; the unit cost
    # is optional (no cost -> no margin figures); currency is a label for every money figure.
    unit_price: float | None = None
    unit_cost: float | None = None
    currency: str = DEFAULT_CURRENCY
    # What one leftover unit recovers at season end (clearance, outlet, jobber); 0 <= salvage <= cost.
    salvage_value: float = 0.0
    # 'profit' unless the planner states a safety stock (then 'safety_stock', docs/planning-rules.md §4.3's rule).
    order_policy: OrderPolicy | None = None
    # The dataset's week-start day (lower-case weekday name); the service sets it from the dataset.
    week_start: str = "monday"
    # Set when the requested start was not a week start and was moved to its week's first day.
    season_start_requested: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "week_start" in data:
            try:
                data["week_start"] = WEEKDAYS[weekday_index(data["week_start"])]
            except ValueError:
                pass  # left as given: the field check below names it
        policy = data.get("order_policy")
        if isinstance(policy, str):
            data["order_policy"] = policy.strip().lower().replace("-", "_").replace(" ", "_")
        for key in ("replenishment",):
            value = data.get(key)
            if isinstance(value, str):
                v = value.strip().lower().replace("_", "-").replace(" ", "-")
                data[key] = {"biweekly": "bi-weekly", "no": "none"}.get(v, v)
        currency = data.get("currency")
        if isinstance(currency, str):
            data["currency"] = currency.strip().upper()
        # A short season that never reaches week 6 has no default checkpoint.
        horizon = data.get("horizon_weeks", 12)
        if "markdown_week" not in data and isinstance(horizon, int) and horizon < DEFAULT_MARKDOWN_WEEK:
            data["markdown_week"] = None
        return data

    @model_validator(mode="after")
    def _check(self) -> "SeasonParameters":
        errors: list[str] = []
        for name in BOUNDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, float) and value != value:  # NaN never passes a range check
                errors.append(f"{name} = nan is not a number: allowed {range_text(name)}")
                continue
            lo, hi, lo_inc, hi_inc = BOUNDS[name]
            too_low = value < lo if lo_inc else value <= lo
            too_high = value > hi if hi_inc else value >= hi
            if too_low or too_high:
                errors.append(f"{name} = {value:g} is out of range: allowed {range_text(name)}")
        if self.dc_holdback is None:
            self.dc_holdback = 0.0 if self.replenishment == "none" else DEFAULT_DC_HOLDBACK
        elif self.replenishment == "none" and self.dc_holdback > 0:
            errors.append(
                f"dc_holdback = {self.dc_holdback:g} is not allowed with replenishment 'none': "
                "stock held at the DC could never reach a store; allowed 0 with 'none'"
            )
        if self.order_policy is None:
            # A planner who states a safety stock wants the order it gives (docs/planning-rules.md §6.2).
            self.order_policy = "safety_stock" if self.safety_stock is not None else "profit"
        if self.safety_stock is None:
            self.safety_stock = (
                DEFAULT_SAFETY_STOCK_NO_REPLENISHMENT if self.replenishment == "none" else DEFAULT_SAFETY_STOCK
            )
        if self.markdown_week is not None:
            if not 1 <= self.markdown_week <= self.horizon_weeks:
                errors.append(
                    f"markdown_week = {self.markdown_week} is out of range: allowed 1..{self.horizon_weeks} "
                    "(horizon_weeks) or empty for no markdown checkpoint"
                )
            if self.markdown_target is None:
                errors.append("markdown_target is required when markdown_week is set: allowed [0, 1]")
        if self.emergency_threshold <= self.variance_threshold:
            errors.append(
                f"emergency_threshold = {self.emergency_threshold:g} must be greater than "
                f"variance_threshold = {self.variance_threshold:g}"
            )
        if self.markdown_step > self.markdown_cap and self.markdown_cap > 0:
            errors.append(
                f"markdown_step = {self.markdown_step:g} must not exceed markdown_cap = {self.markdown_cap:g}"
            )
        if not CURRENCY_PATTERN.match(self.currency):
            errors.append(f"currency = {self.currency!r} is not a currency code: allowed three letters, e.g. USD, EUR")
        if self.unit_price is not None and self.unit_cost is not None and self.unit_cost > self.unit_price:
            errors.append(
                f"unit_cost = {self.unit_cost:g} must not exceed unit_price = {self.unit_price:g}: "
                "allowed 0 up to the unit price"
            )
        top = self.unit_cost if self.unit_cost is not None else self.unit_price
        if top is not None and self.salvage_value > top:
            name = "unit_cost" if self.unit_cost is not None else "unit_price"
            errors.append(f"salvage_value = {self.salvage_value:g} must not exceed {name} = {top:g}: "
                          f"allowed 0 up to the {name.replace('_', ' ')}")
        if self.week_start not in WEEKDAYS:
            errors.append(f"week_start = {self.week_start!r} is not a weekday: allowed {', '.join(WEEKDAYS)}")
        if not SEASON_YEARS[0] <= self.season_start.year <= SEASON_YEARS[1]:
            # Outside the years any history can have (ingest limits); 9999-12-27 + 12 weeks is not a date.
            errors.append(f"season_start = {self.season_start.isoformat()} is out of range: allowed "
                          f"{SEASON_YEARS[0]}-01-01..{SEASON_YEARS[1]}-12-31")
        elif self.season_start.weekday() != self.first_day and self.week_start in WEEKDAYS:
            self.season_start_requested = self.season_start
            self.season_start = start_of_week(self.season_start, self.first_day)
        if errors:
            raise ValueError(" | ".join(errors))
        return self

    @property
    def first_day(self) -> int:
        """The week-start day as a weekday number (Monday = 0)."""
        return WEEKDAYS.index(self.week_start) if self.week_start in WEEKDAYS else 0

    @property
    def season_end(self) -> date:
        return self.season_start + timedelta(days=self.horizon_weeks * 7 - 1)

    @property
    def notes(self) -> list[str]:
        notes = []
        if self.season_start_requested is not None:
            notes.append(
                f"season_start {self.season_start_requested.isoformat()} is a "
                f"{self.season_start_requested.strftime('%A')}; weeks run {week_span(self.first_day)}, so the "
                f"season starts on {weekday_name(self.first_day)} {self.season_start.isoformat()}"
            )
        return notes


def parameter_errors(exc: ValidationError) -> list[str]:
    """Readable messages from a pydantic ValidationError: field, value, allowed values."""
    messages: list[str] = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "parameters"
        value = err.get("input")
        if err["type"] == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
            messages.extend(m.strip() for m in msg.split(" | "))
            continue
        if err["type"] == "missing":
            messages.append(f"{field} is required")
            continue
        if err["type"] == "extra_forbidden":
            messages.append(f"{field} is not a known parameter")
            continue
        if field == "order_policy":
            messages.append(f"order_policy = {value!r} is not allowed: allowed {', '.join(ORDER_POLICIES)}")
            continue
        if field == "replenishment":
            messages.append(f"replenishment = {value!r} is not allowed: allowed {', '.join(REPLENISHMENT_CHOICES)}")
            continue
        messages.append(f"{field} = {value!r}: {err['msg']}")
    return messages


def make_parameters(data: dict[str, Any]) -> SeasonParameters:
    """Build SeasonParameters or raise ParameterError with one message per problem."""
    try:
        return SeasonParameters.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(parameter_errors(exc)) from None
