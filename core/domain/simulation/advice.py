"""Tuning advice checked by replay (SPEC 4.9 advice, issue 13): the closed season's own demand is run
again under the parameters used and under each advised change, and advice that would have done worse
is not given.

"Worse" compares the replay under the advice with the replay under the parameters used (both with
the product's rules and censored sales, so like is compared with like):
  the stock mismatch (lost sales + leftover units) grew, or
  the money figure fell: the gross margin when a unit cost is known, else the revenue.
A change that would not have altered the season at all is kept (nothing contradicts it) and says so.
Advice that is kept says what the replay showed; advice that is dropped becomes "keep" with the
replay's numbers as the reason. `emergency_threshold` follows `variance_threshold` (it is replayed
together with it and dropped with it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.domain.models import TuningAdvice

Outcome = dict[str, Any]  # lost_sales, leftover, revenue, margin (None when unknown)
Replay = Callable[[dict[str, Any]], Outcome]
FOLLOWS = {"emergency_threshold": "variance_threshold"}


def _money(o: Outcome) -> tuple[str, float | None]:
    if o.get("margin") is not None:
        return "margin", float(o["margin"])
    return "revenue", None if o.get("revenue") is None else float(o["revenue"])


def _mismatch(o: Outcome) -> float:
    return float(o["lost_sales"]) + float(o["leftover"])


def worse(advised: Outcome, used: Outcome) -> bool:
    if _mismatch(advised) > _mismatch(used) + 1e-9:
        return True
    name, a = _money(advised)
    _, u = _money(used)
    return a is not None and u is not None and a < u - 0.005


def _describe(o: Outcome) -> str:
    name, value = _money(o)
    money = f", {name} {value:,.0f}" if value is not None else ""
    return f"lost sales {o['lost_sales']:,.0f}, leftover {o['leftover']:,.0f}{money}"


def check_advice(advice: list[TuningAdvice], replay: Replay) -> list[TuningAdvice]:
    """The advice with each change replayed: kept (the reason says what the replay showed) or turned into
    'keep' when the season would have done worse with it."""
    used = replay({})
    changes = {a.parameter: a for a in advice if a.recommended != a.current and a.parameter not in FOLLOWS}
    followers = {FOLLOWS[a.parameter]: a for a in advice if a.recommended != a.current and a.parameter in FOLLOWS}
    verdict: dict[str, tuple[bool, Outcome]] = {}
    for name, a in changes.items():
        overrides = {name: a.recommended}
        if name in followers:
            overrides[followers[name].parameter] = followers[name].recommended
        outcome = replay(overrides)
        verdict[name] = (worse(outcome, used), outcome)
    out: list[TuningAdvice] = []
    for a in advice:
        lead = FOLLOWS.get(a.parameter, a.parameter)
        if lead not in verdict or a.recommended == a.current:
            out.append(a)
            continue
        is_worse, outcome = verdict[lead]
        if outcome == used:
            out.append(a.model_copy(update={"reason": f"{a.reason} (replay of this season: the same outcome)"}))
        elif is_worse:
            out.append(a.model_copy(update={
                "recommended": a.current,
                "reason": (f"keep: the advice to change it to {a.recommended} was checked by replaying this season's "
                           f"demand and would have done worse ({_describe(outcome)} against {_describe(used)} with "
                           f"{a.current}); the rule said: {a.reason}")}))
        else:
            out.append(a.model_copy(update={
                "reason": f"{a.reason} (replay of this season: {_describe(outcome)} against {_describe(used)})"}))
    return out
