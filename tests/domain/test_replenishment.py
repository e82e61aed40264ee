from __future__ import annotations

import pytest

from core.domain.errors import PlannerError
from core.domain.models import StoreState
from core.domain.replenishment import plan_replenishment, skip_reason

STATES = [
    StoreState(store_id="A", season_total=300, shipped=120, sold=100),
    StoreState(store_id="B", season_total=200, shipped=65, sold=60),
    StoreState(store_id="C", season_total=100, shipped=10, sold=10),
    StoreState(store_id="D", season_total=50, shipped=50, sold=30),
    StoreState(store_id="E", season_total=100, shipped=40, sold=45),  # sold more than it got
]


def lines_as_tuples(lines):  # type: ignore[no-untyped-def]
    return [(x.store_id, x.need, x.on_hand, x.qty, x.partial) for x in lines]


def test_weekly_replenishment_worked_by_hand() -> None:
    lines = plan_replenishment(3, strategy="weekly", horizon_weeks=12, states=STATES, dc_on_hand=100)
    # after week 3 of 12: weeks left 9, one week per cycle
    # A: remaining 180 -> need 20, on hand 20 -> ceil(0) = 0: no line
    # B: remaining 135 -> need 15, on hand 5 -> 10
    # C: remaining 90 -> need 10, on hand 0 -> 10
    # D: remaining 0 -> nothing
    # E: remaining 60 -> need 6.666667, on hand max(0, 40 - 45) = 0 -> ceil(6.67) = 7
    assert lines_as_tuples(lines) == [
        ("B", 15.0, 5, 10, False),
        ("C", 10.0, 0, 10, False),
        ("E", 6.666667, 0, 7, False),
    ]
    assert {x.week for x in lines} == {3}


def test_short_dc_serves_largest_need_first_and_flags_partials() -> None:
    lines = plan_replenishment(3, strategy="weekly", horizon_weeks=12, states=STATES, dc_on_hand=15)
    # B (need 15) takes 10, C (need 10) gets the last 5 of 10, E gets 0 of 7
    assert lines_as_tuples(lines) == [
        ("B", 15.0, 5, 10, False),
        ("C", 10.0, 0, 5, True),
        ("E", 6.666667, 0, 0, True),
    ]
    assert sum(x.qty for x in lines) == 15


def test_bi_weekly_runs_after_even_weeks_and_covers_two_weeks() -> None:
    assert plan_replenishment(3, strategy="bi-weekly", horizon_weeks=12, states=STATES, dc_on_hand=100) == []
    assert skip_reason(3, strategy="bi-weekly", horizon_weeks=12) == (
        "Replenishment skipped: strategy is bi-weekly and runs after weeks 2, 4, ...; week 3 is odd"
    )
    lines = plan_replenishment(4, strategy="bi-weekly", horizon_weeks=12, states=STATES, dc_on_hand=1000)
    # weeks left 8, two weeks per cycle: A need 180/8*2 = 45, on hand 20 -> 25
    # B 135/8*2 = 33.75 - 5 -> ceil(28.75) = 29; C 90/4 = 22.5 -> 23; E 60/4 = 15 -> 15
    assert lines_as_tuples(lines) == [
        ("A", 45.0, 20, 25, False),
        ("B", 33.75, 5, 29, False),
        ("C", 22.5, 0, 23, False),
        ("E", 15.0, 0, 15, False),
    ]


def test_the_cycle_never_reaches_past_the_season() -> None:
    # after week 11 of 12 one week is left: need = remaining; A: 180 - 20 on hand = 160
    lines = plan_replenishment(11, strategy="weekly", horizon_weeks=12, states=STATES[:1], dc_on_hand=500)
    assert lines_as_tuples(lines) == [("A", 180.0, 20, 160, False)]
    # bi-weekly after week 10 of 11: one week left, so the cycle is one week: 180 - 20 = 160
    lines = plan_replenishment(10, strategy="bi-weekly", horizon_weeks=11, states=STATES[:1], dc_on_hand=500)
    assert lines_as_tuples(lines) == [("A", 180.0, 20, 160, False)]
    assert plan_replenishment(12, strategy="weekly", horizon_weeks=12, states=STATES, dc_on_hand=500) == []
    assert skip_reason(12, strategy="weekly", horizon_weeks=12) == (
        "Replenishment skipped: week 12 is the last week of the season"
    )


def test_strategy_none_plans_nothing_and_says_why() -> None:
    assert plan_replenishment(2, strategy="none", horizon_weeks=12, states=STATES, dc_on_hand=100) == []
    assert skip_reason(2, strategy="none", horizon_weeks=12) == "Replenishment skipped: strategy is none"
    assert skip_reason(2, strategy="weekly", horizon_weeks=12) is None


def test_bad_input_is_rejected_with_allowed_values() -> None:
    with pytest.raises(PlannerError) as err:
        plan_replenishment(13, strategy="daily", horizon_weeks=12, states=STATES, dc_on_hand=1)
    assert err.value.messages == [
        "replenishment = 'daily' is not allowed: allowed none, weekly, bi-weekly",
        "week = 13 is out of range: allowed 1..12",
    ]
