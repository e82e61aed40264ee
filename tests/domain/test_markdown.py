from __future__ import annotations

from datetime import date

import pytest

from core.domain.errors import PlannerError
from core.domain.markdown import markdown_depth, markdown_due, propose_markdown
from core.domain.params import SeasonParameters

PARAMS = SeasonParameters(category="Women's Dresses", season_start=date(2025, 2, 17))  # target 0.60, elasticity 2


@pytest.mark.parametrize(
    ("sold", "depth", "gap"),
    [
        (5800, 0.05, 0.02),  # ST 0.58: gap 0.02 x 2 = 0.04 -> 0.8 steps -> 1 step = 5%
        (5500, 0.10, 0.05),  # ST 0.55: 0.05 x 2 = 0.10 -> 2 steps (1.9999999999999987 in floats) = 10%
        (5000, 0.20, 0.10),  # ST 0.50: 0.10 x 2 = 0.20 -> 4 steps = 20%
        (4000, 0.40, 0.20),  # ST 0.40: 0.20 x 2 = 0.40 -> 8 steps = 40% = the cap
        (6300, 0.0, -0.03),  # ST 0.63: above target -> no markdown
    ],
)
def test_spec_vectors(sold: int, depth: float, gap: float) -> None:
    p = propose_markdown(6, sold, 10000, PARAMS)
    assert p.sell_through == sold / 10000
    assert p.target == 0.60
    assert p.gap == gap
    assert p.depth == depth


def test_sell_through_is_sold_over_the_approved_quantity() -> None:
    # 2,610 sold of an approved 4,500 -> 0.58 -> 5%
    p = propose_markdown(6, 2610, 4500, PARAMS)
    assert (p.sell_through, p.depth, p.week, p.approved_qty) == (0.58, 0.05, 6, 4500)
    assert p.reason == (
        "Sell-through 58.0% is 2.0% below the target 60%; gap x elasticity 2 = 4.0%, rounded to the 5% step -> 5%"
    )


def test_rounding_to_the_step_and_the_cap() -> None:
    # gap 0.075 x 2 = 0.15 -> 3 steps -> 0.15 (not 0.15000000000000002)
    assert markdown_depth(0.075, elasticity=2.0, step=0.05, cap=0.40) == 0.15
    # gap 0.0125 x 2 = 0.025 -> 0.5 step -> half rounds up -> 5%
    assert markdown_depth(0.0125, elasticity=2.0, step=0.05, cap=0.40) == 0.05
    # gap 0.012 x 2 = 0.024 -> 0.48 step -> 0
    assert markdown_depth(0.012, elasticity=2.0, step=0.05, cap=0.40) == 0.0
    # gap 0.30 x 2 = 0.60 -> capped at 0.40; cap 0.25 caps at 0.25
    assert markdown_depth(0.30, elasticity=2.0, step=0.05, cap=0.40) == 0.40
    assert markdown_depth(0.30, elasticity=2.0, step=0.05, cap=0.25) == 0.25
    # exactly on target: no markdown
    assert markdown_depth(0.60 - 0.60, elasticity=2.0, step=0.05, cap=0.40) == 0.0


def test_no_markdown_when_no_checkpoint_is_set() -> None:
    params = SeasonParameters(category="x", season_start=date(2025, 2, 17), markdown_week=None)
    p = propose_markdown(6, 1000, 10000, params)
    assert (p.sell_through, p.depth) == (0.1, 0.0)
    assert p.reason == "No markdown: no markdown checkpoint is set (markdown_week is empty)"
    assert markdown_due(6, params) is False
    assert markdown_due(6, PARAMS) is True
    assert markdown_due(5, PARAMS) is False


def test_zero_approved_quantity_is_rejected() -> None:
    with pytest.raises(PlannerError, match="approved_qty = 0 must be > 0"):
        propose_markdown(6, 10, 0, PARAMS)
