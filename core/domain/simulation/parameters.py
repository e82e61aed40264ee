"""A parameter set of the scenario lab: SeasonParameters (docs/planning-rules.md §2) plus what a simulated season fixes.

A lab file is one JSON object: the SeasonParameters fields, plus optionally
  name            label of the set in the comparison (default: the file's stem)
  order_qty       manufacture this many units instead of the proposed order (a Modify at the gate)
  markdown_depth  decide this depth at the markdown gate instead of accepting the proposal (0..cap)
  unit_price      selling price (default: revenue / units of the history, docs/planning-rules.md §4.9 unit price)
  unit_cost       cost of one unit made; without it there is no margin
Every problem is reported with the source (file) and the field, and nothing runs.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.domain.params import ParameterError, SeasonParameters, make_parameters
from core.domain.quantities import MAX_ORDER_UNITS

LAB_FIELDS = ("name", "order_qty", "markdown_depth", "unit_price", "unit_cost")
# The lab keeps the money fields it takes beside the season parameters.
_OWN_FIELDS = tuple(f for f in LAB_FIELDS if f not in SeasonParameters.model_fields)


class ParameterSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    parameters: SeasonParameters
    order_qty: int | None = None
    markdown_depth: float | None = None
    unit_price: float | None = None
    unit_cost: float | None = None

    @property
    def price(self) -> float | None:
        """The entered unit price (the lab file's, else the parameters' once they carry one)."""
        return self.unit_price if self.unit_price is not None else getattr(self.parameters, "unit_price", None)

    @property
    def cost(self) -> float | None:
        return self.unit_cost if self.unit_cost is not None else getattr(self.parameters, "unit_cost", None)

    def label(self) -> dict[str, Any]:
        """The set as a lab file holds it (JSON-ready)."""
        out = self.parameters.model_dump(mode="json", exclude={"season_start_requested"})
        for key in LAB_FIELDS[1:]:
            if getattr(self, key) is not None and out.get(key) is None:
                out[key] = getattr(self, key)
        return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(float(value)) else None


def _lab_problems(data: dict[str, Any], cap: float | None) -> list[str]:
    problems = []
    if "name" in data and (not isinstance(data["name"], str) or not data["name"].strip()):
        problems.append(f"name = {data['name']!r} must be a non-empty text")
    if "order_qty" in data:
        q = _number(data["order_qty"])
        if q is None or q != int(q) or not 0 < q <= MAX_ORDER_UNITS:
            problems.append(f"order_qty = {data['order_qty']!r} must be a whole number of units in "
                            f"1..{MAX_ORDER_UNITS:,} (as the workflow's order)")
    if "markdown_depth" in data:
        d = _number(data["markdown_depth"])
        top = 0.9 if cap is None else cap
        if d is None or not 0.0 <= d <= top:
            problems.append(f"markdown_depth = {data['markdown_depth']!r} is out of range: allowed [0, {top:g}]"
                            + (" (markdown_cap)" if cap is not None else ""))
    for key in ("unit_price", "unit_cost"):
        if key in data:
            v = _number(data[key])
            if v is None or v < 0:
                problems.append(f"{key} = {data[key]!r} must be a number >= 0")
    return problems


def parameter_set(data: Any, *, source: str, default_name: str | None = None,
                  defaults: dict[str, Any] | None = None) -> ParameterSet:
    """Validate one lab file's object; ParameterError with `source: field ...` messages.

    `defaults` fill SeasonParameters fields the file leaves out (e.g. the replay start as season_start).
    """
    if not isinstance(data, dict):
        raise ParameterError(f"{source}: must hold a JSON object of SeasonParameters fields, got "
                             f"{type(data).__name__}")
    lab = {k: data[k] for k in _OWN_FIELDS if data.get(k) is not None}
    base = dict(defaults or {})
    if data.get("safety_stock") is not None and "order_policy" not in data:
        base.pop("order_policy", None)  # a file that states a safety stock orders by it (params.py)
    season = {**base, **{k: v for k, v in data.items() if k not in _OWN_FIELDS}}
    problems: list[str] = []
    params: SeasonParameters | None = None
    try:
        params = make_parameters(season)
    except ParameterError as exc:
        problems.extend(exc.messages)
    problems.extend(m for m in _lab_problems(lab, params.markdown_cap if params else None) if m not in problems)
    if problems:
        raise ParameterError([f"{source}: {m}" for m in problems])
    assert params is not None
    name = str(lab.get("name") or default_name or source).strip()
    return ParameterSet(
        name=name, parameters=params,
        order_qty=int(lab["order_qty"]) if "order_qty" in lab else None,
        markdown_depth=float(lab["markdown_depth"]) if "markdown_depth" in lab else None,
        unit_price=float(lab["unit_price"]) if lab.get("unit_price") is not None else None,
        unit_cost=float(lab["unit_cost"]) if lab.get("unit_cost") is not None else None,
    )


def check_comparable(sets: list[ParameterSet], sources: list[str]) -> None:
    """2..8 sets with distinct names on the same season (category, start, horizon): one demand fits all."""
    problems = []
    if not 2 <= len(sets) <= 8:
        problems.append(f"{len(sets)} parameter sets given: a comparison takes 2 to 8")
    first = sets[0] if sets else None
    for s, src in zip(sets[1:], sources[1:]):
        for key in ("category", "season_start", "horizon_weeks"):
            mine, base = getattr(s.parameters, key), getattr(first.parameters, key)  # type: ignore[union-attr]
            if mine != base:
                problems.append(f"{src}: {key} = {mine} differs from {base} in {sources[0]}: the sets of one "
                                "comparison share the season (category, season_start, horizon_weeks)")
    seen: dict[str, str] = {}
    for s, src in zip(sets, sources):
        if s.name in seen:
            problems.append(f"{src}: name = {s.name!r} is already used by {seen[s.name]}: names must differ")
        seen.setdefault(s.name, src)
    if problems:
        raise ParameterError(problems)
