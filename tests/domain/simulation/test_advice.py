"""Tuning advice checked by replay: advice that would have done worse is not given."""

from __future__ import annotations

from core.domain.models import TuningAdvice
from core.domain.simulation.advice import check_advice, worse


def outcome(lost: float, left: float, margin: float | None = None, revenue: float | None = 100.0) -> dict:
    return {"lost_sales": lost, "leftover": left, "margin": margin, "revenue": revenue}


ADVICE = [
    TuningAdvice(parameter="safety_stock", current=0.2, recommended=0.25, reason="stockouts"),
    TuningAdvice(parameter="dc_holdback", current=0.45, recommended=0.35, reason="DC stock unused"),
    TuningAdvice(parameter="markdown_week", current=6, recommended=6, reason="keep: fine"),
    TuningAdvice(parameter="variance_threshold", current=0.2, recommended=0.25, reason="re-forecast every week"),
    TuningAdvice(parameter="emergency_threshold", current=0.22, recommended=0.35, reason="follows"),
]


def test_worse_compares_mismatch_then_money() -> None:
    assert worse(outcome(10, 10), outcome(5, 10))
    assert not worse(outcome(5, 10), outcome(5, 10))
    assert worse(outcome(5, 10, margin=90), outcome(5, 10, margin=100))
    assert not worse(outcome(4, 10, margin=100), outcome(5, 10, margin=99.999))
    assert worse(outcome(5, 10, revenue=99), outcome(5, 10, revenue=100))  # no cost: revenue decides


def test_advice_that_would_have_done_worse_is_dropped() -> None:
    calls: list[dict] = []

    def replay(overrides: dict) -> dict:
        calls.append(overrides)
        if "safety_stock" in overrides:
            return outcome(2, 30, margin=120)  # fewer lost sales, more leftover: 32 > 30 -> worse
        if "dc_holdback" in overrides:
            return outcome(5, 20, margin=110)  # better on both
        if "variance_threshold" in overrides:
            return outcome(10, 20, margin=100)  # identical: the change would not have altered the season
        return outcome(10, 20, margin=100)

    checked = check_advice(ADVICE, replay)
    assert calls == [{}, {"safety_stock": 0.25}, {"dc_holdback": 0.35},
                     {"variance_threshold": 0.25, "emergency_threshold": 0.35}]
    by = {a.parameter: a for a in checked}
    assert by["safety_stock"].recommended == 0.2
    assert by["safety_stock"].reason.startswith("keep: the advice to change it to 0.25 was checked by replaying")
    assert ("lost sales 2, leftover 30, margin 120 against lost sales 10, leftover 20, margin 100"
            in by["safety_stock"].reason)
    assert by["dc_holdback"].recommended == 0.35
    assert by["dc_holdback"].reason.endswith("(replay of this season: lost sales 5, leftover 20, margin 110 against "
                                             "lost sales 10, leftover 20, margin 100)")
    assert by["markdown_week"] == ADVICE[2]
    for name in ("variance_threshold", "emergency_threshold"):
        assert by[name].recommended == {"variance_threshold": 0.25, "emergency_threshold": 0.35}[name]
        assert by[name].reason.endswith("(replay of this season: the same outcome)")


def test_a_dropped_lead_drops_its_follower() -> None:
    def replay(overrides: dict) -> dict:
        return outcome(50, 50) if overrides else outcome(10, 10)

    checked = check_advice(ADVICE[3:], replay)
    assert [a.recommended for a in checked] == [0.2, 0.22]


def test_search_advises_the_change_with_the_highest_replayed_profit_and_keeps_the_rest() -> None:
    from core.domain.models import TuningAdvice
    from core.domain.simulation.advice import search_advice

    p = {"horizon_weeks": 12, "order_policy": "profit", "replenishment": "weekly", "dc_holdback": 0.3,
         "markdown_week": 6, "markdown_target": 0.6, "safety_stock": 0.2}
    profit = {("dc_holdback", 0.1): 120.0, ("dc_holdback", 0.0): 110.0, ("markdown_week", 5): 101.0}

    def replay(overrides: dict) -> dict:
        key = next(iter(overrides.items()), None)
        return {"lost_sales": 0.0, "leftover": 0.0, "revenue": 1.0, "margin": 1.0,
                "profit": profit.get(key, 100.0)}

    rule = [TuningAdvice(parameter="safety_stock", current=0.2, recommended=0.25, reason="stockouts"),
            TuningAdvice(parameter="dc_holdback", current=0.3, recommended=0.2, reason="DC stock unused")]
    out = search_advice(rule, p, replay)
    assert [(a.parameter, a.recommended) for a in out] == [("dc_holdback", 0.1), ("markdown_week", 5),
                                                           ("safety_stock", 0.2)]
    assert "(+20)" in out[0].reason and out[2].reason.startswith("keep: replaying this season")
