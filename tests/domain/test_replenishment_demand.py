"""The demand rule: cover the store's share of the current plan for the next cycle plus
safety stock, minus stock on hand, capped by the DC."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from core.domain.errors import PlannerError
from core.domain.models import StoreState
from core.domain.replenishment import plan_replenishment, queue_summary

# Shares of the plan: A 50%, B 30%, C 20% (season totals 500 / 300 / 200).
STATES = [
    StoreState(store_id="A", season_total=500, shipped=300, sold=260),  # on hand 40
    StoreState(store_id="B", season_total=300, shipped=200, sold=130),  # on hand 70
    StoreState(store_id="C", season_total=200, shipped=90, sold=95),  # sold more than it got: on hand 0
]


def run(week: int = 10, dc: int = 1000, plan: list[float] | None = None, strategy: str = "weekly",
        safety: float = 0.2, states: list[StoreState] = STATES):
    return plan_replenishment(week, strategy=strategy, horizon_weeks=12, states=states, dc_on_hand=dc,
                              plan=plan if plan is not None else [200.0, 150.0], safety_stock=safety)


def as_rows(lines):  # type: ignore[no-untyped-def]
    return [(x.store_id, x.need, x.on_hand, x.qty, x.partial, x.cover_weeks) for x in lines]


def test_weekly_worked_by_hand() -> None:
    # Next week's plan 200 x 1.2 = 240: A needs 120 - 40 = 80, B 72 - 70 = 2, C 48 - 0 = 48.
    # Weeks of cover = on hand / share of the week's plan: A 40/100, B 70/60, C 0.
    assert as_rows(run()) == [
        ("A", 120.0, 40, 80, False, 0.4),
        ("C", 48.0, 0, 48, False, 0.0),
        ("B", 72.0, 70, 2, False, 1.17),
    ]


def test_bi_weekly_covers_two_weeks_of_the_plan() -> None:
    lines = run(week=10, strategy="bi-weekly", plan=[200.0, 150.0])
    # Weeks 11-12 plan 350 x 1.2 = 420: A 210 - 40 = 170, B 126 - 70 = 56, C 84.
    assert [(x.store_id, x.qty) for x in lines] == [("A", 170), ("C", 84), ("B", 56)]
    assert lines[0].cover_weeks == pytest.approx(40 / 87.5, abs=0.01)


def test_the_last_cycle_ships_only_what_the_final_week_needs() -> None:
    # The allocation rule shipped the whole remaining allocation before the final week (e.g. 34,903
    # units for a week planned at 13,222); the demand rule ships the week's plan share only.
    many = [StoreState(store_id=f"S{i:02d}", season_total=4000, shipped=3000, sold=2900) for i in range(10)]
    lines = plan_replenishment(11, strategy="weekly", horizon_weeks=12, states=many, dc_on_hand=10000,
                               plan=[1322.2], safety_stock=0.2)
    # each store: 132.22 x 1.2 = 158.664 -> 159 - 100 on hand = 59
    assert {x.qty for x in lines} == {59} and sum(x.qty for x in lines) == 590
    old = plan_replenishment(11, strategy="weekly", horizon_weeks=12, states=many, dc_on_hand=10000)
    assert sum(x.qty for x in old) == 9000  # the whole remaining allocation


def test_stores_with_enough_stock_get_a_line_saying_why_nothing_ships() -> None:
    lines = run(plan=[100.0, 100.0], safety=0.0)
    # A 50 - 40 = 10, B 30 - 70 < 0 -> nothing, C 20.
    b = next(x for x in lines if x.store_id == "B")
    assert (b.qty, b.partial, b.cover_weeks) == (0, False, pytest.approx(70 / 30, abs=0.01))
    assert b.reason == "on hand 70 covers the next week's need of 30 incl. safety stock (2.3 weeks of cover)"
    rich = [s.model_copy(update={"shipped": s.sold + 500}) for s in STATES]
    quiet = run(states=rich)
    assert sum(x.qty for x in quiet) == 0
    assert queue_summary(quiet, 1000) == ("nothing ships: every store's stock on hand covers the next cycle's plan "
                                          "plus safety stock")


def test_a_short_dc_serves_the_largest_need_first_and_flags_partials() -> None:
    lines = run(dc=100)
    assert [(x.store_id, x.qty, x.partial) for x in lines] == [("A", 80, False), ("C", 20, True), ("B", 0, True)]
    assert lines[2].reason == "the DC has no stock left for this store (it needed 2)"
    assert queue_summary(lines, 0) == "100 units to 2 stores (2 partial: the DC ran short)"
    empty = run(dc=0)
    assert queue_summary(empty, 0).startswith("nothing ships: the DC is empty")


def test_bad_plan_is_refused() -> None:
    with pytest.raises(PlannerError, match="next cycle needs 2"):
        run(strategy="bi-weekly", plan=[100.0])
    with pytest.raises(PlannerError, match="finite"):
        run(plan=[float("nan")])


@settings(max_examples=150, deadline=None, derandomize=True)
@given(hs.lists(hs.tuples(hs.integers(0, 500), hs.integers(0, 400), hs.integers(0, 400)), min_size=1, max_size=8),
       hs.integers(0, 2000), hs.floats(0, 5000), hs.floats(0, 1))
def test_never_ships_more_than_the_dc_holds_and_each_store_gets_one_line(
        stores: list[tuple[int, int, int]], dc: int, plan: float, safety: float) -> None:
    states = [StoreState(store_id=f"S{i}", season_total=t, shipped=sh, sold=so) for i, (t, sh, so) in enumerate(stores)]
    lines = run(week=11, dc=dc, plan=[plan], safety=safety, states=states)
    assert sum(x.qty for x in lines) <= dc
    assert sorted(x.store_id for x in lines) == sorted(s.store_id for s in states)
    for x in lines:
        wanted = max(0, -(-round(x.need * 1e6) // 10**6) - x.on_hand) if x.need else 0
        assert x.qty <= max(wanted, 0) + 1
        assert (x.qty == 0) == bool(x.reason)
