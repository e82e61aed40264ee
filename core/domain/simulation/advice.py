"""Tuning advice checked by replay (docs/planning-rules.md §4.9 advice): the closed season's own demand is run
again under the parameters used and under each advised change, and advice that would have done worse
is not given.

"Worse" compares the replay under the advice with the replay under the parameters used (both with
the product's rules and censored sales, so like is compared with like): with a unit cost, the season
profit fell (docs/planning-rules.md §6); without one, the stock mismatch (lost
sales + leftover units) grew or the revenue fell.

`search_advice` goes further (docs/planning-rules.md §6.5): it replays the season under
each candidate change (order policy or safety stock, DC holdback, markdown week and target) and
advises, per parameter, the value that raised the replayed profit most, with the gain; a parameter
whose changes raised nothing is kept, whatever the rule said.
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
    if o.get("profit") is not None:
        return "profit", float(o["profit"])
    if o.get("margin") is not None:
        return "margin", float(o["margin"])
    return "revenue", None if o.get("revenue") is None else float(o["revenue"])


def _mismatch(o: Outcome) -> float:
    return float(o["lost_sales"]) + float(o["leftover"])


def worse(advised: Outcome, used: Outcome) -> bool:
    if advised.get("profit") is not None and used.get("profit") is not None:
        return float(advised["profit"]) < float(used["profit"]) - 0.005
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


def score(o: Outcome) -> float:
    """Higher is better: the profit, else minus the stock mismatch."""
    return float(o["profit"]) if o.get("profit") is not None else -_mismatch(o)


def candidates(p: dict[str, Any]) -> dict[str, list[Any]]:
    """The changes a replay search tries, per parameter, from the parameters used `p`."""
    h = int(p["horizon_weeks"])
    out: dict[str, list[Any]] = {}
    if p.get("order_policy") == "safety_stock":
        ss = float(p.get("safety_stock") or 0.0)
        out["safety_stock"] = sorted({round(min(1.0, max(0.0, ss + d)), 4) for d in (-0.1, -0.05, 0.05, 0.1)} - {ss})
        out["order_policy"] = ["profit"]
    else:
        out["order_policy"] = ["safety_stock"]
    if p.get("replenishment") != "none":
        hb = float(p.get("dc_holdback") or 0.0)
        out["dc_holdback"] = sorted({round(min(0.9, max(0.0, hb + d)), 4) for d in (-0.2, -0.1, 0.1)} | {0.0} - {hb})
    m = p.get("markdown_week")
    if m is not None:
        out["markdown_week"] = [w for w in (m - 1, m + 1) if 1 <= w <= h] + [None]
        t = float(p.get("markdown_target") or 0.6)
        out["markdown_target"] = [round(x, 4) for x in (t - 0.1, t + 0.1) if 0.0 <= x <= 1.0]
    return out


def search_advice(advice: list[TuningAdvice], p: dict[str, Any], replay: Replay) -> list[TuningAdvice]:
    """Per parameter, the candidate value with the highest replayed profit above the parameters used
    (module docstring); the rule's advice for a parameter no candidate improved becomes 'keep'."""
    used = replay({})
    base = score(used)
    found: dict[str, tuple[float, Any, Outcome]] = {}
    tries = candidates(p)
    followers = {FOLLOWS[a.parameter]: a for a in advice if a.recommended != a.current and a.parameter in FOLLOWS}
    for a in advice:  # the rules' own changes are candidates too
        tried = tries.get(a.parameter, [])
        if a.recommended != a.current and a.parameter not in FOLLOWS and a.recommended not in tried:
            tries.setdefault(a.parameter, []).append(a.recommended)
    for name, values in tries.items():
        for value in values:
            overrides = {name: value}
            if name in followers:
                overrides[followers[name].parameter] = followers[name].recommended
            outcome = replay(overrides)
            gain = score(outcome) - base
            if gain > 0.005 and (name not in found or gain > found[name][0]):
                found[name] = (gain, value, outcome)
    by_name = {a.parameter: a for a in advice}
    out: list[TuningAdvice] = []
    for name, (gain, value, outcome) in sorted(found.items(), key=lambda kv: -kv[1][0]):
        rule = by_name.get(name)
        current = p.get(name) if rule is None else rule.current
        out.append(TuningAdvice(parameter=name, current=current, recommended=value, reason=(
            f"replay of this season with {name} = {value}: {_describe(outcome)} against {_describe(used)} with "
            f"{current} (+{gain:,.0f})")))
    for a in advice:
        if a.parameter in FOLLOWS and FOLLOWS[a.parameter] in found:
            out.append(a)
            continue
        if a.parameter in found or a.parameter in FOLLOWS:
            continue
        if a.recommended != a.current:
            a = a.model_copy(update={"recommended": a.current, "reason": (
                f"keep: replaying this season, no change of {a.parameter} raised "
                f"{'profit' if used.get('profit') is not None else 'the outcome'} ({_describe(used)}); "
                f"the rule said: {a.reason}")})
        out.append(a)
    return out
