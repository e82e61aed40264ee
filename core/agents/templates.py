"""Deterministic explanations with the actual numbers: what the planner reads when no LLM is set,
or when the LLM failed. Every template tolerates missing facts by leaving the sentence out.

Facts each kind uses (all optional; numbers may be int/float, shares are fractions 0..1):

- order: category, season_start, horizon_weeks, forecast_total, method, members {name: total},
  lo_total, hi_total, safety_stock, order_qty, warnings [str]
- skip: phase, reason, week
- allocation: order_qty, dc_holdback, initial_total, dc_total, stores, clusters
  [{name, stores, share, units}], silhouette, share_basis
- variance: week, actual, plan, variance, variance_threshold, variance_vs_original,
  cumulative_variance, reforecast (bool), emergency (bool)
- reforecast: week, old_remaining, new_remaining, weeks_left, method, based_on_weeks, variance
- emergency: week, variance, emergency_threshold, projected_demand, available_stock, emergency_qty
- replenishment: week, units, stores, partial_stores, dc_on_hand, strategy
- markdown: week, sold_to_date, approved_qty, sell_through, target, gap, depth, elasticity,
  step, cap, price_elasticity
- markdown_decision: depth, proposed_depth, accepted (bool), reason
- season_end: sell_through, mape {original, final}, wape {original, final}, bias {original, final},
  stockout_store_weeks, overstock_units, markdown_units, reforecast_weeks, closed_early,
  tuning [{parameter, current, recommended, reason}]
"""

from __future__ import annotations

import re

import math
from collections.abc import Callable, Mapping
from typing import Any

from core.domain.rounding import ceiling_operand

TEMPLATE_KINDS = (
    "order", "skip", "allocation", "variance", "reforecast", "emergency", "replenishment",
    "markdown", "markdown_decision", "season_end",
)


class Facts:
    """Read-only access to a facts dict that never raises for a missing or malformed value."""

    def __init__(self, facts: Mapping[str, Any] | None):
        self._f = dict(facts or {})

    def raw(self, key: str) -> Any:
        return self._f.get(key)

    def num(self, key: str) -> float | None:
        value = self._f.get(key)
        if isinstance(value, bool) or value is None:
            return None
        try:
            f = float(value)
        except (TypeError, ValueError):
            return None
        return None if math.isnan(f) else f

    def has(self, *keys: str) -> bool:
        return all(self.num(k) is not None for k in keys)

    def units(self, key: str) -> str:
        v = self.num(key)
        return "n/a" if v is None else f"{v:,.0f}"

    def pct(self, key: str, signed: bool = False) -> str:
        v = self.num(key)
        if v is None:
            return "n/a"
        return f"{v:+.1%}" if signed else f"{v:.0%}" if abs(v * 100 - round(v * 100)) < 1e-9 else f"{v:.1%}"

    def text(self, key: str, default: str = "") -> str:
        value = self._f.get(key)
        return default if value in (None, "") else str(value)

    def flag(self, key: str) -> bool | None:
        value = self._f.get(key)
        return value if isinstance(value, bool) else None

    def items(self, key: str) -> list[Any]:
        value = self._f.get(key)
        return list(value) if isinstance(value, (list, tuple)) else []

    def mapping(self, key: str) -> dict[str, Any]:
        value = self._f.get(key)
        return dict(value) if isinstance(value, Mapping) else {}


def _join(parts: list[str]) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


MEMBER_NAMES = {"mstl": "MSTL", "seasonal_avg": "seasonal average", "ets": "ETS", "naive": "naive"}


def describe_method(method: str) -> str:
    """Forecast method tags in planner wording, e.g. 'ensemble(mstl+seasonal_avg), holiday-realigned'
    -> 'average of 2 models (MSTL and seasonal average), holiday-realigned'."""

    def ensemble(match: re.Match[str]) -> str:
        names = [MEMBER_NAMES.get(m, m.replace("_", " ")) for m in match.group(1).split("+") if m]
        if len(names) < 2:
            return names[0] if names else match.group(0)
        return f"average of {len(names)} models ({', '.join(names[:-1])} and {names[-1]})"

    return re.sub(r"ensemble\(([^)]*)\)", ensemble, method).replace("_", " ")


def _order(f: Facts) -> str:
    parts: list[str] = []
    what = f.text("category", "the category")
    span = f" over {f.text('horizon_weeks')} weeks" if f.raw("horizon_weeks") else ""
    start = f" from {f.text('season_start')}" if f.raw("season_start") else ""
    if f.has("forecast_total"):
        method = f" ({describe_method(f.text('method'))})" if f.raw("method") else ""
        parts.append(f"Demand forecast for {what}{span}{start}: {f.units('forecast_total')} units{method}.")
    members = f.mapping("members")
    if members:
        listed = ", ".join(f"{k} {float(v):,.0f}" for k, v in members.items() if _is_num(v))
        if listed:
            parts.append(f"Ensemble members' season totals: {listed}.")
    if f.has("lo_total", "hi_total"):
        parts.append(f"80% range of the season total: {f.units('lo_total')} to {f.units('hi_total')} units.")
    if f.has("order_qty"):
        if f.has("forecast_total", "safety_stock"):
            factor = 1 + (f.num("safety_stock") or 0.0)
            parts.append(
                f"With {f.pct('safety_stock')} safety stock the manufacturing order is "
                f"ceil({ceiling_operand(f.num('forecast_total') or 0.0, factor, round(f.num('order_qty') or 0))} x "
                f"{factor:.2f}) = {f.units('order_qty')} units."
            )
        else:
            parts.append(f"Proposed manufacturing order: {f.units('order_qty')} units.")
        parts.append("It waits for your approval: accept it, or modify the quantity with a reason.")
    for w in f.items("warnings")[:3]:
        parts.append(f"Note: {w}")
    return _join(parts) or "The manufacturing order was computed from the demand forecast plus safety stock."


def _skip(f: Facts) -> str:
    phase = f.text("phase", "This phase")
    reason = f.text("reason")
    when = f" (week {f.text('week')})" if f.raw("week") is not None else ""
    return f"{phase} skipped{when}: {reason}." if reason else f"{phase} skipped{when}."


def _allocation(f: Facts) -> str:
    parts: list[str] = []
    if f.has("order_qty"):
        stores = f" over {f.units('stores')} stores" if f.has("stores") else ""
        parts.append(f"The approved {f.units('order_qty')} units are split{stores}.")
    clusters = [c for c in f.items("clusters") if isinstance(c, Mapping)]
    if clusters:
        listed = "; ".join(
            f"{c.get('name', '?')}: {_fmt_int(c.get('stores'))} stores, {_fmt_pct(c.get('share'))} share, "
            f"{_fmt_int(c.get('units'))} units"
            for c in clusters
        )
        parts.append(f"{len(clusters)} store clusters - {listed}.")
    if f.has("silhouette"):
        parts.append(f"Cluster separation (silhouette): {f.num('silhouette'):.2f}.")
    if f.raw("share_basis"):
        parts.append(f"Cluster shares come from {f.text('share_basis')}.")
    if f.has("initial_total", "dc_total"):
        hold = f" ({f.pct('dc_holdback')} DC holdback)" if f.has("dc_holdback") else ""
        parts.append(
            f"Initial shipment to stores: {f.units('initial_total')} units; "
            f"{f.units('dc_total')} units stay at the DC for replenishment{hold}."
        )
    elif f.has("dc_holdback"):
        parts.append(f"DC holdback: {f.pct('dc_holdback')}.")
    return _join(parts) or "Stock was allocated to stores by cluster share and store factor."


def _variance(f: Facts) -> str:
    week = f.text("week", "?")
    parts: list[str] = []
    if f.has("actual", "plan"):
        direction = "above" if (f.num("actual") or 0) >= (f.num("plan") or 0) else "below"
        var = f" ({f.pct('variance', signed=True)})" if f.has("variance") else ""
        parts.append(
            f"Week {week}: sold {f.units('actual')} units against a plan of {f.units('plan')}{var}, {direction} plan."
        )
    elif f.has("variance"):
        parts.append(f"Week {week}: variance {f.pct('variance', signed=True)} against the plan.")
    if f.has("variance_vs_original"):
        parts.append(f"Against the original forecast: {f.pct('variance_vs_original', signed=True)}.")
    if f.has("cumulative_variance"):
        parts.append(f"Season to date: {f.pct('cumulative_variance', signed=True)}.")
    threshold = f" {f.pct('variance_threshold')}" if f.has("variance_threshold") else ""
    reforecast = f.flag("reforecast")
    if reforecast is True:
        parts.append(f"That is beyond the{threshold} threshold, so the remaining weeks are re-forecast.")
    elif reforecast is False:
        parts.append(f"That is within the{threshold} threshold: the plan stands.")
    if f.flag("emergency"):
        parts.append("The gap also exceeds the emergency threshold: see the emergency reorder recommendation.")
    return _join(parts) or f"Week {week} actuals were compared with the plan."


def _reforecast(f: Facts) -> str:
    week = f.text("week", "?")
    parts: list[str] = []
    basis = f" using {f.text('based_on_weeks')} weeks of actuals" if f.raw("based_on_weeks") is not None else ""
    parts.append(f"After week {week} the remaining season was re-forecast{basis}.")
    if f.has("old_remaining", "new_remaining"):
        old, new = f.num("old_remaining"), f.num("new_remaining")
        change = f" ({(new - old) / old:+.1%})" if old else ""  # type: ignore[operator]
        left = f" for the {f.text('weeks_left')} weeks left" if f.raw("weeks_left") is not None else ""
        parts.append(
            f"Remaining demand{left} moves from {f.units('old_remaining')} to {f.units('new_remaining')} units{change}."
        )
    if f.raw("method"):
        parts.append(f"Method: {describe_method(f.text('method'))}.")
    parts.append("Remaining store allocations and replenishment are recomputed from the new plan.")
    return _join(parts)


def _emergency(f: Facts) -> str:
    parts = [f"Week {f.text('week', '?')}: emergency reorder recommended."]
    if f.has("variance"):
        thr = f" (emergency threshold {f.pct('emergency_threshold')})" if f.has("emergency_threshold") else ""
        parts.append(f"Demand is running {f.pct('variance', signed=True)} against plan{thr}.")
    if f.has("projected_demand", "available_stock"):
        parts.append(
            f"Projected demand of {f.units('projected_demand')} units exceeds the {f.units('available_stock')} "
            "units still available in stores and at the DC."
        )
    if f.has("emergency_qty"):
        parts.append(
            f"Suggested reorder: {f.units('emergency_qty')} units. This is a recommendation; nothing is ordered."
        )
    return _join(parts)


def _replenishment(f: Facts) -> str:
    week = f.text("week", "?")
    parts: list[str] = []
    if f.has("units"):
        stores = f" to {f.units('stores')} stores" if f.has("stores") else ""
        parts.append(f"Week {week} replenishment: {f.units('units')} units{stores} from the DC.")
    partial = f.num("partial_stores")
    if partial:
        parts.append(f"{partial:,.0f} stores got less than they need because DC stock ran short.")
    if f.has("dc_on_hand"):
        parts.append(f"{f.units('dc_on_hand')} units remain at the DC.")
    return _join(parts) or f"Week {week}: no replenishment needed."


def _markdown(f: Facts) -> str:
    week = f.text("week", "?")
    parts: list[str] = []
    if f.has("sold_to_date", "approved_qty"):
        st = f" = {f.pct('sell_through')} sell-through" if f.has("sell_through") else ""
        parts.append(f"Week {week} checkpoint: {f.units('sold_to_date')} of {f.units('approved_qty')} units sold{st}.")
    elif f.has("sell_through"):
        parts.append(f"Week {week} checkpoint: sell-through {f.pct('sell_through')}.")
    depth = f.num("depth")
    target = f" against a {f.pct('target')} target" if f.has("target") else ""
    if depth is not None and depth <= 0:
        parts.append(f"That meets the plan{target}: no markdown is needed.")
    elif depth is not None:
        if f.has("gap", "elasticity"):
            step = f", rounded to {f.pct('step')} steps" if f.has("step") else ""
            cap = f", capped at {f.pct('cap')}" if f.has("cap") else ""
            parts.append(
                f"The gap{target} is {f.num('gap'):.1%} x elasticity {f.num('elasticity'):g}{step}{cap}: "  # type: ignore[str-format]
                f"proposed markdown {f.pct('depth')}."
            )
        else:
            parts.append(f"Proposed markdown: {f.pct('depth')}{target}.")
        if f.has("price_elasticity"):
            lift = (1 - depth) ** (-(f.num("price_elasticity") or 0)) - 1 if depth < 1 else float("nan")
            parts.append(
                f"With price elasticity {f.num('price_elasticity'):g} "
                f"the remaining weekly demand rises by about {lift:.0%}."
            )
        parts.append("It waits for your approval: accept it, or modify the depth with a reason.")
    return _join(parts) or f"Week {week}: markdown checkpoint evaluated."


def _markdown_decision(f: Facts) -> str:
    accepted = f.flag("accepted")
    reason = f" Reason: {f.text('reason')}." if f.raw("reason") else ""
    if accepted:
        return f"Markdown of {f.pct('depth')} accepted as proposed.{reason}"
    if f.has("proposed_depth"):
        return f"Markdown changed from the proposed {f.pct('proposed_depth')} to {f.pct('depth')}.{reason}"
    return f"Markdown set to {f.pct('depth')}.{reason}"


def _season_end(f: Facts) -> str:
    parts: list[str] = ["Season closed early." if f.flag("closed_early") else "Season closed."]
    if f.has("sell_through"):
        parts.append(f"Sell-through {f.pct('sell_through')}.")
    for label, key in (("MAPE", "mape"), ("WAPE", "wape")):
        m = f.mapping(key)
        if _is_num(m.get("original")) and _is_num(m.get("final")):
            parts.append(f"{label}: original forecast {float(m['original']):.1%}, final plan {float(m['final']):.1%}.")
    if f.has("stockout_store_weeks"):
        parts.append(f"Stockout store-weeks: {f.units('stockout_store_weeks')}.")
    if f.has("overstock_units"):
        parts.append(f"Unsold units: {f.units('overstock_units')}.")
    if f.has("markdown_units"):
        parts.append(f"Units sold at markdown: {f.units('markdown_units')}.")
    weeks = f.items("reforecast_weeks")
    if weeks:
        parts.append(f"Re-forecasts after weeks {', '.join(str(w) for w in weeks)}.")
    tuning = [t for t in f.items("tuning") if isinstance(t, Mapping)]
    for t in tuning[:4]:
        rec = t.get("recommended")
        parts.append(f"Next season, {t.get('parameter', '?')} -> {rec}: {t.get('reason', '')}".rstrip(": ") + ".")
    return _join(parts)


def _generic(kind: str, f: Facts) -> str:
    shown = ", ".join(f"{k} = {v}" for k, v in list(f._f.items())[:8] if not isinstance(v, (dict, list)))
    return f"{kind.replace('_', ' ').capitalize()}: {shown}." if shown else f"{kind.replace('_', ' ').capitalize()}."


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(float(v))


def _fmt_int(v: Any) -> str:
    return f"{float(v):,.0f}" if _is_num(v) else "?"


def _fmt_pct(v: Any) -> str:
    return f"{float(v):.1%}" if _is_num(v) else "?"


TEMPLATES: dict[str, Callable[[Facts], str]] = {
    "order": _order,
    "skip": _skip,
    "allocation": _allocation,
    "variance": _variance,
    "reforecast": _reforecast,
    "emergency": _emergency,
    "replenishment": _replenishment,
    "markdown": _markdown,
    "markdown_decision": _markdown_decision,
    "season_end": _season_end,
}


def render(kind: str, facts: Mapping[str, Any] | None) -> str:
    """The template explanation for `kind`. Never raises: a broken template degrades to a summary."""
    f = Facts(facts)
    template = TEMPLATES.get(kind)
    if template is None:
        return _generic(kind, f)
    try:
        return template(f)
    except Exception:  # a template must never stop the workflow; show the raw facts instead
        return _generic(kind, f)
