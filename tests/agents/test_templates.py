"""Template explanations: the actual numbers, and no crash on missing or odd facts."""

from __future__ import annotations

import pytest

from core.agents import TEMPLATE_KINDS, explain
from core.agents.settings import LLMSettings
from core.agents.templates import render

OFF = LLMSettings()  # no key, no base URL: templates only


def test_order_template_shows_forecast_safety_stock_and_the_order():
    text = render("order", {"category": "Women's Dresses", "horizon_weeks": 12, "season_start": "2025-02-24",
                            "forecast_total": 10234.4, "method": "ensemble(mstl+theta)",
                            "members": {"mstl": 10100.0, "theta": 10368.8}, "safety_stock": 0.2, "order_qty": 12282})
    assert "Women's Dresses over 12 weeks from 2025-02-24: 10,234 units (average of 2 models (MSTL and theta))" in text
    assert "mstl 10,100, theta 10,369" in text
    assert "With 20% safety stock the manufacturing order is ceil(10,234.4 x 1.20) = 12,282 units." in text
    assert "approval" in text


def test_skip_template_states_phase_and_reason():
    assert render("skip", {"phase": "Replenishment", "reason": "strategy is none", "week": 3}) == (
        "Replenishment skipped (week 3): strategy is none.")


def test_allocation_template():
    text = render("allocation", {
        "order_qty": 12282, "stores": 50, "dc_holdback": 0.45, "initial_total": 6755, "dc_total": 5527,
        "silhouette": 0.4123, "share_basis": "same weeks last year",
        "clusters": [{"name": "Fashion_Forward", "stores": 12, "share": 0.41, "units": 5036}]})
    assert "The approved 12,282 units are split over 50 stores." in text
    assert "Fashion_Forward: 12 stores, 41.0% share, 5,036 units" in text
    assert "silhouette): 0.41" in text
    assert (
        "Initial shipment to stores: 6,755 units; 5,527 units stay at the DC for replenishment (45% DC holdback)."
        in text
    )


def test_variance_template_over_and_within_threshold():
    over = render("variance", {"week": 5, "actual": 1300, "plan": 1000, "variance": 0.3,
                               "variance_threshold": 0.2, "reforecast": True, "cumulative_variance": 0.061})
    assert "Week 5: sold 1,300 units against a plan of 1,000 (+30.0%), above plan." in over
    assert "Season to date: +6.1%." in over
    assert "beyond the 20% threshold, so the remaining weeks are re-forecast" in over
    within = render("variance", {"week": 2, "actual": 950, "plan": 1000, "variance": -0.05,
                                 "variance_threshold": 0.2, "reforecast": False})
    assert "below plan" in within and "within the 20% threshold: the plan stands" in within


def test_reforecast_template_shows_the_change():
    text = render("reforecast", {"week": 5, "old_remaining": 7000, "new_remaining": 8400, "weeks_left": 7,
                                 "based_on_weeks": 5})
    assert "After week 5 the remaining season was re-forecast using 5 weeks of actuals." in text
    assert "from 7,000 to 8,400 units (+20.0%)" in text


def test_emergency_template():
    text = render("emergency", {"week": 5, "variance": 0.42, "emergency_threshold": 0.3,
                                "projected_demand": 14000, "available_stock": 12282, "emergency_qty": 1718})
    assert "+42.0% against plan (emergency threshold 30%)" in text
    assert "Projected demand of 14,000 units exceeds the 12,282 units" in text
    assert "Suggested reorder: 1,718 units" in text


@pytest.mark.parametrize(
    "st, depth, expected",
    [(0.5, 0.2, "proposed markdown 20%"), (0.63, 0.0, "no markdown is needed")],
)
def test_markdown_template(st, depth, expected):
    text = render("markdown", {"week": 6, "sold_to_date": int(st * 10000), "approved_qty": 10000, "sell_through": st,
                               "target": 0.6, "gap": 0.6 - st, "depth": depth, "elasticity": 2.0, "step": 0.05,
                               "cap": 0.4, "price_elasticity": 1.0})
    assert f"Week 6 checkpoint: {int(st * 10000):,} of 10,000 units sold = {st:.0%} sell-through." in text
    assert expected in text
    if depth:
        assert "The gap against a 60% target is 10.0% x elasticity 2" in text
        assert "rises by about 25%" in text  # (1 - 0.2) ** -1 = 1.25


def test_season_end_template():
    text = render("season_end", {"sell_through": 0.82, "mape": {"original": 0.18, "final": 0.09},
                                 "stockout_store_weeks": 14, "reforecast_weeks": [5],
                                 "tuning": [{"parameter": "safety_stock", "recommended": 0.25,
                                             "reason": "stockouts in 14 store-weeks"}]})
    assert "Sell-through 82%." in text
    assert "MAPE: original forecast 18.0%, final plan 9.0%." in text
    assert "Re-forecasts after weeks 5." in text
    assert "Next season, safety_stock -> 0.25: stockouts in 14 store-weeks." in text


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_every_kind_survives_missing_and_malformed_facts(kind):
    assert render(kind, {}).strip()
    assert render(kind, None).strip()
    odd = {"week": None, "forecast_total": "lots", "clusters": "x", "members": [1], "depth": float("nan"),
           "mape": 3, "tuning": [None], "units": object()}
    assert render(kind, odd).strip()


def test_unknown_kind_falls_back_to_a_summary_of_the_facts():
    assert render("mystery", {"a": 1, "b": "x"}) == "Mystery: a = 1, b = x."


def test_explain_without_llm_uses_the_template():
    e = explain("skip", {"phase": "Markdown", "reason": "no markdown checkpoint is set"}, settings=OFF)
    assert e.source == "template" and e.attempts == 0 and e.error is None
    assert e.text == "Markdown skipped: no markdown checkpoint is set."


def test_forecast_method_tags_are_written_in_planner_words() -> None:
    from core.agents.templates import describe_method

    assert describe_method("ensemble(mstl+seasonal_avg), holiday-realigned") == (
        "average of 2 models (MSTL and seasonal average), holiday-realigned")
    text = explain("order", {"category": "Dresses", "forecast_total": 175398.1, "method": "ensemble(mstl+seasonal_avg)",
                             "order_qty": 210478, "safety_stock": 0.2}).text
    assert "average of 2 models (MSTL and seasonal average)" in text and "ensemble(" not in text
    assert "175,398" in text


def test_the_order_why_gives_the_order_back() -> None:
    """Walk-through: the Why read ceil(175,974 x 1.25) = 219,967 while that formula gives 219,968."""
    import math
    import re

    from core.agents.templates import render as explain

    text = explain("order", {"forecast_total": 175973.6, "safety_stock": 0.25, "order_qty": 219967})
    shown = re.search(r"ceil\(([\d,.]+) x 1\.25\) = 219,967", text)
    assert shown, text
    assert math.ceil(round(float(shown.group(1).replace(",", "")) * 1.25, 6)) == 219967
