from __future__ import annotations

from datetime import date

import pytest

from core.domain.markdown import propose_markdown
from core.domain.markdown_options import depth_steps, markdown_options
from core.domain.money import Money
from core.domain.params import SeasonParameters

# target .60, cap .40; a price response of 1.0 keeps revenue flat over depths (no markdown can pay)
PARAMS = SeasonParameters(category="Dresses", season_start=date(2025, 3, 3), unit_cost=20.0, price_elasticity=1.0)
ELASTIC = PARAMS.model_copy(update={"price_elasticity": 1.76})
MONEY = Money(unit_price=50.0, unit_cost=20.0, currency="EUR", price_source="entered")
# Selling above plan: +13% season to date, +25..50% in the last three weeks; 34% sold at week 6.
ACTUALS = [560.0, 540.0, 500.0, 600.0, 600.0, 600.0]
PLANS = [560.0, 560.0, 560.0, 480.0, 440.0, 400.0]


def options(sold: int, remaining: list[float], **kw):
    proposal = propose_markdown(6, sold, 10000, kw.pop("params", PARAMS))
    return markdown_options(proposal, params=kw.pop("p", PARAMS), money=kw.pop("money", MONEY),
                            remaining_plan=remaining, actuals=ACTUALS, plans=PLANS)


def test_depths_run_from_zero_to_the_cap_in_steps() -> None:
    assert depth_steps(0.05, 0.40) == [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
    assert depth_steps(0.15, 0.40) == [0.0, 0.15, 0.3, 0.4]


def test_each_option_projects_sell_through_leftover_revenue_and_margin() -> None:
    out = options(3400, [700.0] * 6)
    assert [o.depth for o in out.options] == depth_steps(0.05, 0.40)
    none, twenty = out.option(0.0), out.option(0.2)
    # No markdown: 3,400 sold + 4,200 planned = 7,600 of 10,000.
    assert (none.sold, none.leftover, none.sell_through) == (7600, 2400, 0.76)
    assert none.revenue == 7600 * 50 and none.margin == 7600 * 30
    # 20% off with price elasticity 1: demand x 1.25 -> 5,250 more, at 40 each.
    assert (twenty.sold, twenty.leftover) == (8650, 1350)
    assert twenty.revenue == pytest.approx(3400 * 50 + 5250 * 40)
    assert twenty.margin == pytest.approx(twenty.revenue - 8650 * 20)
    # The deepest option cannot sell more than the 6,600 units left.
    cap = out.option(0.4)
    assert (cap.sold, cap.leftover, cap.sell_through) == (10000, 0, 1.0)
    assert cap.revenue == pytest.approx(3400 * 50 + 6600 * 30)


def test_with_a_price_response_of_one_no_depth_pays_whatever_the_rule_says() -> None:
    out = options(3400, [700.0] * 6)
    assert out.rule_depth == 0.4  # 34% vs 60%: gap 26% x 2 -> capped at 40%
    assert out.no_markdown_reaches_target and out.recommended_depth == 0.0 and out.ranked_by == "profit"
    assert out.season_to_date == pytest.approx(sum(ACTUALS) / sum(PLANS) - 1, abs=1e-6)
    assert [w.week for w in out.trend] == [4, 5, 6]
    assert [round(w.variance, 3) for w in out.trend] == [0.25, 0.364, 0.5]
    assert out.note == ("No markdown recommended: no depth raises the expected profit of the stock on hand (no "
                        "markdown projects 76% sell-through by season end); the checkpoint rule (sell-through 34% to "
                        "date against 60%) says 40%; selling +13% against plan season to date (+25%..+50% in weeks "
                        "4-6).")
    short = options(3400, [300.0] * 6)  # 52% without a markdown: the rule's 40% would still lose money
    assert short.rule_depth == 0.4 and short.recommended_depth == 0.0
    assert all(o.value <= short.options[0].value + 1e-6 for o in short.options)


def test_the_recommendation_is_the_depth_with_the_highest_expected_profit() -> None:
    out = options(3400, [300.0] * 6, p=ELASTIC)  # 3,400 + 1,800 = 52% without a markdown
    best = max(out.options, key=lambda o: o.profit)
    assert out.recommended_depth == best.depth > 0 and best.profit > out.options[0].profit
    assert out.note.startswith(f"Markdown {best.depth:.0%}: the highest expected profit")
    assert "the checkpoint rule (sell-through 34% to date against 60%) says 40%" in out.note
    # Plenty of demand for the stock: a markdown only gives money away.
    assert options(3400, [1500.0] * 6, p=ELASTIC).recommended_depth == 0.0


def test_option_profit_is_revenue_to_date_plus_the_stock_value_minus_the_units_made() -> None:
    salvage = MONEY.model_copy(update={"salvage_value": 5.0})
    for o in options(3400, [300.0] * 6, p=ELASTIC, money=salvage).options:
        assert o.profit == pytest.approx(50.0 * 3400 + o.value - 20.0 * 10000, abs=0.02)
        assert o.value >= 5.0 * (10000 - 3400) - 1e-6  # the stock is worth at least its salvage


def test_without_a_price_the_rule_decides() -> None:
    out = options(3400, [300.0] * 6, money=Money(unit_price=0.0))
    assert out.ranked_by == "rule" and out.recommended_depth == 0.4
    assert "the smallest depth projected to reach it is 35% (62%)" in out.note
    assert options(3400, [700.0] * 6, money=Money(unit_price=0.0)).recommended_depth == 0.0


def test_without_price_or_cost_the_money_columns_are_unknown() -> None:
    out = options(3400, [700.0] * 6, money=Money(unit_price=0.0))
    assert all(o.revenue is None and o.margin is None for o in out.options)
    out = options(3400, [700.0] * 6, money=Money(unit_price=50.0))
    assert out.option(0.0).revenue == 380000.0 and out.option(0.0).margin is None


def test_the_gate_proposes_the_recommendation_and_keeps_the_rule_vectors_without_a_gap() -> None:
    from core.domain.markdown_options import decide_markdown

    kw = dict(money=MONEY, actuals=ACTUALS, plans=PLANS)
    proposal, opts = decide_markdown(6, 3400, 10000, PARAMS, remaining_plan=[700.0] * 6, **kw)
    assert (proposal.depth, opts.rule_depth, proposal.sell_through) == (0.0, 0.4, 0.34)
    assert proposal.reason == opts.note and proposal.reason.startswith("No markdown recommended")
    proposal, opts = decide_markdown(6, 3400, 10000, ELASTIC, remaining_plan=[300.0] * 6, **kw)
    assert proposal.depth == opts.recommended_depth > 0 and proposal.reason.startswith(
        f"Markdown {proposal.depth:.0%}: the highest expected profit")
    proposal, opts = decide_markdown(6, 6300, 10000, PARAMS, remaining_plan=[300.0] * 6, **kw)
    assert proposal.depth == 0.0 and opts.rule_depth == 0.0 and proposal.reason.startswith("No markdown: sell-through")


def test_the_gate_opens_when_a_depth_pays_although_sell_through_meets_the_target() -> None:
    from core.domain.markdown_options import decide_markdown

    kw = dict(money=MONEY, actuals=ACTUALS, plans=PLANS)
    # 63% sold at week 6 meets the 60% target (the rule: no markdown), but 3,700 units face a plan of 900.
    proposal, opts = decide_markdown(6, 6300, 10000, ELASTIC, remaining_plan=[150.0] * 6, **kw)
    assert opts.rule_depth == 0.0 and opts.gate_opens
    assert proposal.depth == opts.recommended_depth > 0
    best = opts.option(proposal.depth)
    assert best.profit > opts.option(0.0).profit
    assert proposal.reason.startswith(f"Markdown {proposal.depth:.0%}: the highest expected profit")
    # With a price response of 1 no depth can pay: the gate stays shut and the rule's "no markdown" stands.
    proposal, opts = decide_markdown(6, 6300, 10000, PARAMS, remaining_plan=[150.0] * 6, **kw)
    assert not opts.gate_opens and proposal.depth == 0.0 and proposal.reason.startswith("No markdown: sell-through")
    # Without a price nothing is ranked by profit: the rule alone opens the gate.
    _, opts = decide_markdown(6, 6300, 10000, ELASTIC, remaining_plan=[150.0] * 6, money=Money(unit_price=0.0),
                              actuals=ACTUALS, plans=PLANS)
    assert opts.ranked_by == "rule" and not opts.gate_opens
