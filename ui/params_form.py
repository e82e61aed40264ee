"""The editable parameter form: widget bounds come from SeasonParameters, errors shown at the field."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import streamlit as st

from core.domain.params import (
    BOUNDS,
    DEFAULT_CURRENCY,
    ORDER_POLICIES,
    REPLENISHMENT_CHOICES,
    ParameterError,
    SeasonParameters,
    make_parameters,
)
from ui.feedback import md_escape
from ui.session import RUN_KEY

PREFIX = "p_"
# week_start is the dataset's calendar, chosen at import, not a field of the season form.
FIELDS = [f for f in SeasonParameters.model_fields if f not in ("season_start_requested", "week_start")]
INT_FIELDS = {"horizon_weeks", "n_clusters", "markdown_week"}

LABELS: dict[str, tuple[str, str]] = {
    # field: (label, help)
    "category": ("Category to plan", "The product category this season plans; it must exist in the chosen data."),
    "season_start": ("Season start", "Weeks run on the data set's week (Monday..Sunday unless it was imported "
                     "with another week start); another day moves to the first day of its week."),
    "horizon_weeks": ("Season length (weeks)", "Number of weeks in the season, on the data set's week."),
    "replenishment": ("Replenishment from the DC", "How often stores are refilled from stock held at the DC."),
    "dc_holdback": ("DC holdback (% of the order)", "45 = 45% of the order waits at the DC for "
                    "replenishment; must be 0 when replenishment is none."),
    "safety_stock": ("Safety stock (% of the forecast)", "With the safety-stock order policy: order = ceil(forecast x "
                     "(1 + safety stock)); without a unit cost, also the replenishment buffer."),
    "order_policy": ("Order policy", "profit: the order with the highest expected season profit (needs a unit "
                     "cost; without one, the lowest expected lost sales + leftover). safety_stock: forecast x "
                     "(1 + safety stock)."),
    "markdown_week": ("Markdown checkpoint week (0 = none)", "Week whose actuals trigger the markdown check."),
    "markdown_target": ("Sell-through target at the checkpoint (%)", "60 = 60% of the approved order sold."),
    "variance_threshold": ("Re-forecast threshold (% off plan)", "20 = re-forecast when a week is more "
                           "than 20% off plan."),
    "emergency_threshold": ("Emergency threshold (% off plan)", "A week this far above plan, with projected demand "
                            "above the stock, recommends an emergency reorder; this far below raises a shortfall "
                            "alert. Must exceed the re-forecast threshold."),
    "markdown_elasticity": ("Markdown elasticity", "Depth = gap x elasticity, rounded to the step."),
    "markdown_step": ("Markdown step (%)", "Depths are multiples of this (5 = 5% steps)."),
    "markdown_cap": ("Markdown cap (%)", "Deepest markdown allowed (40 = 40% off)."),
    "price_elasticity": ("Price elasticity of demand", "Demand after a markdown x (1 - depth)^(-elasticity)."),
    "n_clusters": ("Store clusters", "Number of K-means store clusters."),
    "unit_price": ("Unit price", "Full selling price of one unit. Empty = the average price in the history's "
                   "revenue."),
    "unit_cost": ("Unit cost (optional)", "What one unit costs you; with it, profit ranks the order, the "
                  "markdown and the advice."),
    "salvage_value": ("Salvage value", "What one unit left over at season end recovers (clearance, outlet); "
                      "0 up to the unit cost."),
    "currency": ("Currency", "Three-letter code shown with every money figure, e.g. USD, EUR, GBP."),
}

# Short names for sentences: messages from the parameter model and the extractor name fields by their
# identifiers (dc_holdback); the planner reads "DC holdback".
NAMES: dict[str, str] = {
    "category": "Category", "season_start": "Season start", "horizon_weeks": "Season length",
    "replenishment": "Replenishment", "dc_holdback": "DC holdback", "safety_stock": "Safety stock",
    "markdown_week": "Markdown checkpoint", "markdown_target": "Sell-through target",
    "variance_threshold": "Re-forecast threshold", "emergency_threshold": "Emergency threshold",
    "markdown_elasticity": "Markdown elasticity", "markdown_step": "Markdown step", "markdown_cap": "Markdown cap",
    "price_elasticity": "Price elasticity", "n_clusters": "Store clusters", "unit_price": "Unit price",
    "unit_cost": "Unit cost", "currency": "Currency", "salvage_value": "Salvage value", "order_policy": "Order policy",
}
SHARE_FIELDS = {"dc_holdback", "safety_stock", "markdown_target", "variance_threshold", "emergency_threshold",
                "markdown_step", "markdown_cap"}
# Plain words (category, replenishment) already read well in a sentence; only identifiers are replaced.
_FIELD_WORD = re.compile(r"\b(" + "|".join(sorted((f for f in NAMES if "_" in f), key=len, reverse=True)) + r")\b")


def humanize(text: str) -> str:
    """Replace field identifiers in a message with the names the form shows."""
    return _FIELD_WORD.sub(lambda m: NAMES[m.group(1)], str(text))


# Fields a description carries; the rules extractor reads each of them back from `describe_parameters`.
DESCRIBED = ("category", "season_start", "horizon_weeks", "replenishment", "dc_holdback", "safety_stock",
             "markdown_week", "markdown_target", "variance_threshold", "n_clusters")


def describe_parameters(values: dict[str, Any]) -> str:
    """Parameters as planner's text, e.g. for the Plan page's text box after "start next season": reading
    the text again gives the same values back instead of resetting them to defaults."""
    parts = []
    for f in DESCRIBED:
        if f == "markdown_week" and values.get(f) is None:
            parts.append("No markdowns")
        elif values.get(f) is not None and not (f == "markdown_target" and values.get("markdown_week") is None):
            parts.append(f"{NAMES[f]} {show_value(f, values[f])}")
    return "; ".join(parts)


def show_value(field: str, value: Any) -> str:
    """A parameter value as the planner reads it: shares as percent, weeks with their unit."""
    if value is None:
        return "none"
    if field in SHARE_FIELDS and isinstance(value, (int, float)):
        return f"{float(value) * 100:g}%"
    if field == "horizon_weeks":
        return f"{int(value)} weeks"
    if field == "markdown_week":
        return f"week {int(value)}" if value else "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)[:10] if field == "season_start" else str(value)


STEP = {"dc_holdback": 5.0, "safety_stock": 5.0, "markdown_target": 5.0, "variance_threshold": 5.0,
        "emergency_threshold": 5.0, "markdown_elasticity": 0.1, "markdown_step": 1.0, "markdown_cap": 5.0,
        "price_elasticity": 0.1, "unit_price": 1.0, "unit_cost": 1.0, "salvage_value": 1.0}
MONEY_FIELDS = ("unit_price", "unit_cost")
TEXT_FIELDS = ("replenishment", "order_policy")
# Weeks between the end of the history and the season start beyond which the forecast runs long blind.
FAR_WEEKS = 8


def to_widget(field: str, value: Any) -> Any:
    """Shares are typed and shown as percent (30 for 30%); the model keeps fractions."""
    if field in SHARE_FIELDS and isinstance(value, (int, float)):
        return round(float(value) * 100, 6)
    return value


def from_widget(field: str, value: Any) -> Any:
    if field in SHARE_FIELDS and isinstance(value, (int, float)):
        return round(float(value) / 100, 10)
    return value


_SHARE_VALUE = re.compile(r"\b(" + "|".join(sorted(SHARE_FIELDS, key=len, reverse=True))
                          + r") = (-?[0-9.]+(?:e-?[0-9]+)?)")


def percent_message(message: str) -> str:
    """A model message in the form's units: 'dc_holdback = 0.95 is out of range: allowed [0, 0.9]' ->
    'dc_holdback = 95% is out of range: allowed 0%..90%'."""
    for field in SHARE_FIELDS:
        if message.startswith(f"{field} = ") and "is out of range" in message:
            lo, hi, _, _ = BOUNDS[field]
            value = message.split(" = ", 1)[1].split(" ", 1)[0]
            try:
                shown = f"{float(value) * 100:g}%"
            except ValueError:
                shown = value
            return f"{field} = {shown} is out of range: allowed {lo * 100:g}%..{hi * 100:g}%"
    return _SHARE_VALUE.sub(lambda m: f"{m.group(1)} = {float(m.group(2)) * 100:g}%", message)


def season_start_warnings(start: date | None, history_end: date | None) -> list[str]:
    """A season starting inside the history, or long after it, is most likely a typo in the date."""
    if start is None or history_end is None:
        return []
    if start <= history_end:
        return [f"The season starts on {start.isoformat()}, inside the history (which runs to "
                f"{history_end.isoformat()}): its first weeks are already sold. Check the date."]
    weeks = (start - history_end).days // 7
    if weeks > FAR_WEEKS:
        return [f"The season starts {weeks} weeks after the history ends ({history_end.isoformat()}): the "
                "forecast runs that far ahead before the season begins. Check the year."]
    return []


def upcoming_start(start: date, history_end: date | None) -> date:
    """The same season in the first year after the history: a replayed past season (inside the history)
    becomes the next one to plan. 52 weeks keep the weekday (the data set's week)."""
    if history_end is None:
        return start
    while start <= history_end:
        start += timedelta(weeks=52)
    return start


def key(field: str) -> str:
    return PREFIX + field


# Streamlit drops a widget's value when a run does not draw it (another page, the Plan page stopped
# before the form while no data set is chosen), and a widget drawn again after such a run starts from
# its default even when the old value still reads back: the form's values are kept here and assigned
# again whenever the previous run did not draw the form.
SAVED = "_plan_form_values"
DRAWN = "_plan_form_drawn_run"  # the run that last drew the form
APPLIED = "_plan_form_applied_run"  # the run in which apply_values loaded new values


def run_number() -> int:
    """This script run's number in the session (counted by the sidebar, which every page draws)."""
    return int(st.session_state.get(RUN_KEY, 0))


def restore_values() -> None:
    """Assign the saved values again when the previous run did not draw the form (values loaded by
    apply_values in this run win)."""
    run = run_number()
    stale = st.session_state.get(DRAWN) != run - 1 and st.session_state.get(APPLIED) != run
    for k, v in (st.session_state.get(SAVED) or {}).items():
        if stale or k not in st.session_state:
            st.session_state[k] = v
    st.session_state[DRAWN] = run


def save_values() -> None:
    st.session_state[SAVED] = {key(f): st.session_state[key(f)] for f in FIELDS if key(f) in st.session_state}


def apply_values(values: dict[str, Any], categories: list[str]) -> None:
    """Load parameter values into the form's widgets (before they are drawn in this run)."""
    st.session_state[APPLIED] = run_number()
    for field in FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field == "season_start":
            value = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        elif field == "markdown_week":
            value = int(value) if value is not None else 0
        elif field == "category":
            if value not in categories:
                continue
        elif field in INT_FIELDS:
            value = int(value)
        elif field == "currency":
            value = str(value)
        elif field not in TEXT_FIELDS and value is not None:
            value = to_widget(field, float(value))
        if value is None and field not in MONEY_FIELDS:
            continue
        st.session_state[key(field)] = value


def _number(field: str) -> Any:
    """No min/max on the widget: a browser-side bound keeps an out-of-range entry from reaching the
    server (the old value stayed and Start stayed enabled); the model checks it and names the range."""
    label, help_text = LABELS[field]
    if field in INT_FIELDS:
        return st.number_input(label, step=1, key=key(field), help=help_text)
    if field in SHARE_FIELDS:
        return st.number_input(label, step=STEP.get(field, 5.0), format="%.1f", key=key(field), help=help_text)
    return st.number_input(label, step=STEP.get(field, 0.05), format="%.2f", key=key(field), help=help_text)


def _money(field: str, currency: str) -> Any:
    label, help_text = LABELS[field]
    hint = "from the history's revenue" if field == "unit_price" else "none: no margin figures"
    return st.number_input(f"{label} ({currency})", value=None, step=STEP[field], format="%.2f", key=key(field),
                           help=help_text, placeholder=hint)


def _field_messages(messages: list[str]) -> dict[str, list[str]]:
    """Attach each validation message to the field it starts with (the model names the field first)."""
    by_field: dict[str, list[str]] = {}
    for message in messages:
        field = next((f for f in sorted(FIELDS, key=len, reverse=True) if message.startswith(f)), "_form")
        by_field.setdefault(field, []).append(message)
    return by_field


def render_form(categories: list[str], category_note: str | None = None, *, history_end: date | None = None,
                history_price: float | None = None,
                week_start: str | None = None) -> tuple[SeasonParameters | None, dict[str, Any]]:
    """Draw the form; return the validated parameters (None when invalid) and the raw values.

    The category comes first on its own row: it decides what is planned, and free text often leaves it out
    (category_note then says which one was taken). `history_end` lets the form warn about a season start
    inside or far after the history; `history_price` is shown next to an empty unit price. `week_start`
    is the data set's week (the season's weeks and the preview follow it; the service checks it again).
    """
    slots: dict[str, Any] = {}  # field -> the place under its widget where its message goes
    restore_values()
    _keep_category_known(categories)
    _category_row(categories, category_note, slots)
    _plan_fields(slots)
    _advanced_fields(slots)
    _money_fields(history_price, slots)
    form_slot = st.empty()
    save_values()

    values = _form_values(week_start)
    try:
        params = make_parameters(values)
    except ParameterError as exc:
        for field, messages in _field_messages(list(exc.messages)).items():
            slot = slots.get(field, form_slot)
            slot.error("\n".join(f"- {md_escape(humanize(percent_message(m)))}" for m in messages),
                       icon=":material/error:")
        return None, values
    for note in params.notes:
        slots["season_start"].info(md_escape(humanize(note)), icon=":material/info:")
    for warning in season_start_warnings(params.season_start, history_end):
        slots["season_start"].warning(md_escape(warning), icon=":material/event_busy:")
    return params, values


def _keep_category_known(categories: list[str]) -> None:
    if st.session_state.get(key("category")) not in categories:  # e.g. the data set changed
        if categories:
            st.session_state[key("category")] = categories[0]
        else:
            st.session_state.pop(key("category"), None)


def _field_slot(slots: dict[str, Any], field: str) -> None:
    slots[field] = st.empty()


def _category_row(categories: list[str], category_note: str | None, slots: dict[str, Any]) -> None:
    top, _ = st.columns(2)
    with top:
        st.selectbox(LABELS["category"][0], categories, key=key("category"), help=LABELS["category"][1])
        _field_slot(slots, "category")
        if category_note:
            st.warning(md_escape(category_note), icon=":material/category:")


def _plan_fields(slots: dict[str, Any]) -> None:
    c1, c2 = st.columns(2)
    with c1:
        st.date_input(LABELS["season_start"][0], key=key("season_start"), help=LABELS["season_start"][1],
                      format="YYYY-MM-DD")
        _field_slot(slots, "season_start")
        _number("horizon_weeks")
        _field_slot(slots, "horizon_weeks")
        st.selectbox(LABELS["replenishment"][0], list(REPLENISHMENT_CHOICES), key=key("replenishment"),
                     help=LABELS["replenishment"][1])
        _field_slot(slots, "replenishment")
        _number("dc_holdback")
        _field_slot(slots, "dc_holdback")
    with c2:
        st.session_state.setdefault(key("order_policy"), "profit")
        st.selectbox(LABELS["order_policy"][0], list(ORDER_POLICIES), key=key("order_policy"),
                     help=LABELS["order_policy"][1])
        _field_slot(slots, "order_policy")
        _number("safety_stock")
        _field_slot(slots, "safety_stock")
        st.number_input(LABELS["markdown_week"][0], step=1, key=key("markdown_week"),
                        help=LABELS["markdown_week"][1])
        _field_slot(slots, "markdown_week")
        for field in ("markdown_target", "variance_threshold", "emergency_threshold"):
            _number(field)
            _field_slot(slots, field)


def _advanced_fields(slots: dict[str, Any]) -> None:
    with st.expander("Advanced: markdown rule, price response, clusters"):
        a1, a2 = st.columns(2)
        with a1:
            for field in ("markdown_elasticity", "markdown_step"):
                _number(field)
                _field_slot(slots, field)
        with a2:
            for field in ("markdown_cap", "price_elasticity", "n_clusters"):
                _number(field)
                _field_slot(slots, field)


def _money_fields(history_price: float | None, slots: dict[str, Any]) -> None:
    st.session_state.setdefault(key("currency"), DEFAULT_CURRENCY)
    with st.expander("Money: unit price, cost, salvage, currency"):
        m1, m2, m3 = st.columns(3)
        currency = str(st.session_state.get(key("currency")) or DEFAULT_CURRENCY).strip().upper()
        with m1:
            _money("unit_price", currency)
            _field_slot(slots, "unit_price")
            if history_price and st.session_state.get(key("unit_price")) is None:
                st.caption(f"History's average price: {history_price:,.2f} {currency}")
        with m2:
            _money("unit_cost", currency)
            _field_slot(slots, "unit_cost")
            st.session_state.setdefault(key("salvage_value"), 0.0)
            _number("salvage_value")
            _field_slot(slots, "salvage_value")
        with m3:
            st.text_input(LABELS["currency"][0], key=key("currency"), max_chars=3, help=LABELS["currency"][1])
            _field_slot(slots, "currency")


def _form_values(week_start: str | None) -> dict[str, Any]:
    """The widgets' values as make_parameters takes them."""
    values = {f: from_widget(f, st.session_state.get(key(f))) for f in FIELDS}
    values["markdown_week"] = values["markdown_week"] or None  # 0 in the form = no checkpoint
    # An explicit None keeps "no checkpoint" (leaving the key out would mean the default week 6).
    values = {k: v for k, v in values.items() if v is not None or k == "markdown_week"}
    if week_start:
        values["week_start"] = week_start
    return values
