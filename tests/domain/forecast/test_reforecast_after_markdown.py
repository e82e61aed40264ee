"""The band follows the plan, a markdown's response is measured, the method is in words."""

from __future__ import annotations

import math

import pytest

from core.domain.forecast import apply_markdown_response, reforecast
from tests.domain.forecast.test_reforecast import noisy_plan


def marked(pre: list[float], depth: float = 0.4):  # type: ignore[no-untyped-def]
    """A 12-week plan of 1,000 a week, re-forecast on `pre`, then marked down from the week after."""
    fc = noisy_plan(weeks=12, plan=1000.0, noise=0.05)
    current = reforecast(fc, pre, original=fc) if pre else fc
    return fc, apply_markdown_response(current, from_week=len(pre) + 1, depth=depth, price_elasticity=1.0)


@pytest.mark.parametrize("actuals", [[1000.0, 990.0, 1010.0, 1000.0, 1300.0], [1300.0, 1320.0, 1000.0],
                                     [700.0], [1000.0, 1000.0, 1000.0, 1000.0, 1150.0, 1160.0]])
def test_the_interval_is_centred_on_the_current_plan(actuals: list[float]) -> None:
    fc = noisy_plan(weeks=10, plan=1000.0, noise=0.05)
    out = reforecast(fc, actuals, original=fc)
    for w in out.weeks[len(actuals):]:
        assert w.lo < w.plan < w.hi
        assert math.log(w.plan / w.lo) == pytest.approx(math.log(w.hi / w.plan), rel=1e-9)


def test_a_week_below_the_marked_down_plan_lowers_the_remaining_weeks() -> None:
    # 40% off from week 7 with price elasticity 1: the plan assumes x1.667. Week 7 sells 22.8% below it.
    fc, plan = marked([1000.0] * 6)
    assumed = plan.weeks[6].plan
    assert assumed == pytest.approx(1000 / 0.6)
    out = reforecast(plan, [1000.0] * 6 + [assumed * 0.772], original=fc)
    rest = [w.plan for w in out.weeks[7:]]
    # Never above the original forecast's markdown-adjusted path, and close to what week 7 sold.
    assert max(rest) < assumed
    assert rest[0] == pytest.approx(assumed * 0.772, rel=0.05)
    assert "the markdown's response measured at x0.7" in out.method


def test_a_season_above_plan_before_the_markdown_keeps_its_level_but_not_the_assumed_lift() -> None:
    fc, plan = marked([1200.0, 1210.0, 1190.0, 1200.0, 1205.0, 1195.0])
    assumed = plan.weeks[6].plan  # ~1,200 x 1.667
    assert assumed == pytest.approx(1200 / 0.6, rel=0.03)
    out = reforecast(plan, [1200.0, 1210.0, 1190.0, 1200.0, 1205.0, 1195.0, assumed * 0.772], original=fc)
    assert out.weeks[8].plan < 1000 / 0.6 * 1.2  # below the level-corrected, marked-down path
    assert out.weeks[8].plan == pytest.approx(assumed * 0.772, rel=0.05)


def test_weeks_on_the_marked_down_plan_leave_it_alone_and_revisions_still_add_up() -> None:
    fc, plan = marked([1000.0] * 4, depth=0.2)
    on_plan = [1000.0] * 4 + [1250.0, 1250.0]
    out = reforecast(plan, on_plan, original=fc)
    assert out.weeks[8].plan == pytest.approx(1250.0, rel=0.01)
    stepwise = plan
    for k in (5, 6, 7):
        stepwise = reforecast(stepwise, (on_plan + [1100.0])[:k], original=fc)
    at_once = reforecast(plan, on_plan + [1100.0], original=fc)
    assert [w.plan for w in stepwise.weeks[7:]] == pytest.approx([w.plan for w in at_once.weeks[7:]], rel=1e-9)
    assert [w.hi for w in stepwise.weeks[7:]] == pytest.approx([w.hi for w in at_once.weeks[7:]], rel=1e-9)


def test_the_method_is_written_in_words_and_does_not_nest() -> None:
    fc, plan = marked([1000.0] * 6)
    assert plan.method == ("test; markdown from week 7: demand x1.67 (assumed price response); "
                           "re-forecast from 6 weeks of actuals: remaining weeks x1.00")
    out = reforecast(reforecast(plan, [1000.0] * 7, original=fc), [1000.0] * 8, original=fc)
    assert out.method.startswith("test; markdown from week 7: demand x1.67 (assumed price response); "
                                 "re-forecast from 8 weeks of actuals: remaining weeks x0.")
    assert "reforecast(" not in out.method and out.method.count("re-forecast") == 1
