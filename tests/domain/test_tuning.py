from __future__ import annotations

from datetime import date

from core.domain.params import SeasonParameters
from core.domain.tuning import tuning_advice


def advise(params: SeasonParameters, **kw):  # type: ignore[no-untyped-def]
    base = dict(
        weeks_observed=12, store_weeks=600, stockout_store_weeks=0, lost_sales=0, sell_through=0.85,
        dc_unused=0, approved_qty=10000, checkpoint_sell_through=0.60, reforecast_count=1,
        bias_original=0.05, closed_early=False,
    )
    base.update(kw)
    return {a.parameter: a for a in tuning_advice(params, **base)}


def P(**kw) -> SeasonParameters:  # type: ignore[no-untyped-def]
    hold = 0.0 if kw.get("replenishment") == "none" else 0.45  # the holdback these rules were written for
    return SeasonParameters(category="x", season_start=date(2025, 2, 17), **{"dc_holdback": hold, **kw})


def test_a_good_season_keeps_everything() -> None:
    a = advise(P())
    assert [(k, v.current, v.recommended) for k, v in a.items()] == [
        ("safety_stock", 0.2, 0.2),
        ("dc_holdback", 0.45, 0.45),
        ("markdown_week", 6, 6),
        ("variance_threshold", 0.2, 0.2),
    ]
    assert a["markdown_week"].reason == "keep: at week 6 sell-through was 60.0% against 60%"


def test_stockouts_raise_safety_stock() -> None:
    # 31 of 600 store-weeks = 5.2% > 5% -> 0.20 + 0.05
    a = advise(P(), stockout_store_weeks=31, lost_sales=412)
    assert a["safety_stock"].recommended == 0.25
    assert a["safety_stock"].reason == (
        "31 of 600 store-weeks (5.2%) ran out of stock, about 412 units of sales lost: above 5%, "
        "so raise safety stock by 0.05"
    )
    # exactly 30 of 600 = 5% is not above -> keep
    assert advise(P(), stockout_store_weeks=30)["safety_stock"].recommended == 0.2
    # capped at 1.0
    assert advise(P(safety_stock=0.98), stockout_store_weeks=100)["safety_stock"].recommended == 1.0


def test_low_sell_through_without_stockouts_lowers_safety_stock() -> None:
    # sell-through 0.62 < 0.70 with 6 of 600 store-weeks (1%) out -> 0.20 - 0.05
    a = advise(P(), sell_through=0.62, stockout_store_weeks=6)
    assert a["safety_stock"].recommended == 0.15
    # 7 of 600 (1.2%) is too many stockouts to cut the buffer
    assert advise(P(), sell_through=0.62, stockout_store_weeks=7)["safety_stock"].recommended == 0.2


def test_unused_dc_stock_lowers_holdback() -> None:
    # 1,200 of 10,000 (12%) left at the DC -> 0.45 - 0.10 = 0.35
    a = advise(P(), dc_unused=1200)
    assert a["dc_holdback"].recommended == 0.35
    # 1,000 (10%) is not over 10% -> keep; holdback 0.05 can only go to 0
    assert advise(P(), dc_unused=1000)["dc_holdback"].recommended == 0.45
    assert advise(P(dc_holdback=0.05), dc_unused=5000)["dc_holdback"].recommended == 0.0
    none = advise(P(replenishment="none"), dc_unused=5000)["dc_holdback"]
    assert (none.recommended, none.reason) == (
        0.0, "keep 0: replenishment is none, so nothing held at the DC could reach a store"
    )


def test_markdown_week_rules() -> None:
    # 0.48 at week 6: 12 points under 0.60 -> came late -> week 5
    assert advise(P(), checkpoint_sell_through=0.48)["markdown_week"].recommended == 5
    # exactly 10 points under (0.50) also counts as late
    assert advise(P(), checkpoint_sell_through=0.50)["markdown_week"].recommended == 5
    # 0.71 (11 points above) -> week 7
    assert advise(P(), checkpoint_sell_through=0.71)["markdown_week"].recommended == 7
    assert advise(P(markdown_week=1), checkpoint_sell_through=0.1)["markdown_week"].recommended == 1
    not_reached = advise(P(), checkpoint_sell_through=None)["markdown_week"]
    assert (not_reached.recommended, not_reached.reason) == (6, "keep: the season ended before the week 6 checkpoint")
    # no checkpoint and 0.55 sold at the end -> add one at week 12 // 2 = 6
    added = advise(P(markdown_week=None), sell_through=0.55, checkpoint_sell_through=None)["markdown_week"]
    assert (added.current, added.recommended) == (None, 6)


def test_variance_threshold_rules_keep_emergency_above() -> None:
    # 7 re-forecasts in 12 weeks (> half) -> 0.20 + 0.05 = 0.25; emergency 0.30 stays above
    a = advise(P(), reforecast_count=7)
    assert a["variance_threshold"].recommended == 0.25
    assert "emergency_threshold" not in a
    # with emergency 0.35 and threshold 0.30 -> 0.35 would equal it -> emergency 0.45
    a = advise(P(variance_threshold=0.30, emergency_threshold=0.35), reforecast_count=8)
    assert (a["variance_threshold"].recommended, a["emergency_threshold"].recommended) == (0.35, 0.45)
    # none fired but the season bias was -25% (beyond 0.20) -> 0.15
    assert advise(P(), reforecast_count=0, bias_original=-0.25)["variance_threshold"].recommended == 0.15
    # only 3 weeks observed: too few to judge
    assert advise(P(), reforecast_count=3, weeks_observed=3)["variance_threshold"].recommended == 0.2


def test_no_markdown_needed_at_the_checkpoint_is_not_called_late_afterwards():
    """Walk-through: "no markdown is needed" at week 6, then the review said "the markdown came late"."""
    from core.domain.params import make_parameters
    from core.domain.tuning import tuning_advice

    p = make_parameters({"category": "x", "season_start": "2025-03-03", "markdown_week": 6, "markdown_target": 0.6})
    common = dict(weeks_observed=12, store_weeks=600, stockout_store_weeks=0, lost_sales=0, dc_unused=0,
                  approved_qty=1000, checkpoint_sell_through=0.45, reforecast_count=0, bias_original=0.0,
                  closed_early=False)
    [kept] = [a for a in tuning_advice(p, sell_through=0.8, checkpoint_proposed=0.0, **common)
              if a.parameter == "markdown_week"]
    assert kept.recommended == 6 and "no markdown was needed" in kept.reason and "late" not in kept.reason
    [late] = [a for a in tuning_advice(p, sell_through=0.8, checkpoint_proposed=0.2, **common)
              if a.parameter == "markdown_week"]
    assert late.recommended == 5 and "came late" in late.reason
