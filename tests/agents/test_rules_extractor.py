"""The deterministic free-text extractor (no LLM): docs/planning-rules.md §1/2 and the usual phrasings."""

from __future__ import annotations

from datetime import date

import pytest

from core.agents.extraction import extract_with_rules
from core.agents.rules_extractor import match_category, resolve_start
from core.domain.params import make_parameters

CATS = ["Women's Dresses", "Men's Shirts", "Accessories"]
HISTORY_END = date(2024, 12, 31)

SPEC_EXAMPLE = (
    "I'm planning a 12-week spring fashion season starting March 1st. Send all inventory to "
    "stores at launch with no DC holdback. I don't want ongoing replenishment - just one initial "
    "allocation. Check for markdown opportunities at week 6 if we're below 60% sell-through."
)


def read(text: str, **kw):
    return extract_with_rules(
        text, categories=kw.pop("categories", CATS), history_end=kw.pop("history_end", HISTORY_END), **kw
    )


def test_spec_example_gives_the_documented_parameters():
    e = read(SPEC_EXAMPLE)
    v = e.values
    assert v["horizon_weeks"] == 12
    assert v["season_start"] == date(2025, 3, 1)
    assert v["replenishment"] == "none"
    assert v["dc_holdback"] == 0.0
    assert v["markdown_week"] == 6
    assert v["markdown_target"] == pytest.approx(0.60)
    assert v["safety_stock"] == pytest.approx(0.25)
    assert e.source == "rules" and e.attempts == 0 and e.error is None
    assert set(e.found) == {
        "season_start", "horizon_weeks", "replenishment", "dc_holdback", "markdown_week", "markdown_target",
    }
    # The model moves the Saturday to its Monday and says so.
    assert any("2025-03-01 is a Saturday" in n and "2025-02-24" in n for n in e.notes)
    # What the text did not say is flagged, not silently assumed.
    assert any(f.startswith("category not named") and "Women's Dresses" in f for f in e.flagged)
    assert any(f.startswith("safety_stock not found") and "25%" in f for f in e.flagged)
    params = make_parameters(v)
    assert params.season_start == date(2025, 2, 24)
    assert params.season_start_requested == date(2025, 3, 1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("starting 2025-03-01", date(2025, 3, 1)),
        ("season begins 1 March", date(2025, 3, 1)),
        ("from March 1st", date(2025, 3, 1)),
        ("launch on Mar 3", date(2025, 3, 3)),
        ("starting the 3rd of March", date(2025, 3, 3)),
        ("start on March 3, 2026", date(2026, 3, 3)),
        ("start 15 Feb 2025", date(2025, 2, 15)),
        ("start 03/17/2025", date(2025, 3, 17)),
        ("start 17/03/2025", date(2025, 3, 17)),
    ],
)
def test_start_dates(text, expected):
    e = read(text)
    assert e.values["season_start"] == expected
    assert "season_start" in e.found


def test_date_without_year_is_the_first_after_the_history():
    # History ending mid-March: "March 1st" is next year's, "April 1" this year's.
    assert read("starting March 1st", history_end=date(2025, 3, 15)).values["season_start"] == date(2026, 3, 1)
    assert read("starting April 1", history_end=date(2025, 3, 15)).values["season_start"] == date(2025, 4, 1)
    # No history end: after today.
    e = extract_with_rules("starting March 1st", categories=CATS, today=date(2025, 6, 1))
    assert e.values["season_start"] == date(2026, 3, 1)


def test_resolve_start_skips_an_impossible_leap_day():
    assert resolve_start((2, 29, None), date(2025, 1, 1)) == date(2028, 2, 29)


def test_start_word_picks_the_season_start_among_several_dates():
    e = read("History was checked on 2024-12-20. We start the season on 2025-02-17.")
    assert e.values["season_start"] == date(2025, 2, 17)


@pytest.mark.parametrize(
    "text, weeks",
    [
        ("a 16 weeks season", 16),
        ("16 weeks", 16),
        ("a twelve-week season", 12),
        ("an eight week window", 8),
        ("3 months", 13),
        ("6 months of summer", 26),
        ("horizon 20", 20),
    ],
)
def test_horizon(text, weeks):
    e = read(text)
    assert e.values["horizon_weeks"] == weeks
    assert "horizon_weeks" in e.found


def test_months_are_converted_and_noted():
    e = read("3 months")
    assert any("'3 months' read as 13 weeks" in n for n in e.notes)


def test_every_two_weeks_is_not_a_horizon():
    e = read("replenish every two weeks")
    assert e.values["horizon_weeks"] == 12 and "horizon_weeks" not in e.found
    assert e.values["replenishment"] == "bi-weekly"


@pytest.mark.parametrize(
    "text, holdback",
    [
        ("30% holdback", 0.30),
        ("hold back 0.3", 0.30),
        ("DC holdback of 25%", 0.25),
        ("keep 20% at the DC", 0.20),
        ("holdback 40 percent", 0.40),
        ("no DC holdback", 0.0),
        ("send everything to stores at launch", 0.0),
        ("everything to stores at launch", 0.0),
        ("all stock into the stores on day one", 0.0),
        ("nothing held back", 0.0),
    ],
)
def test_holdback(text, holdback):
    e = read(text + ", weekly replenishment")
    assert e.values["dc_holdback"] == pytest.approx(holdback)
    assert "dc_holdback" in e.found


def test_holdback_without_unit_above_one_is_read_as_percent_and_noted():
    e = read("holdback 30, weekly replenishment")
    assert e.values["dc_holdback"] == pytest.approx(0.30)
    assert any("read '30' as 30%" in n for n in e.notes)


@pytest.mark.parametrize(
    "text, strategy",
    [
        ("replenish weekly", "weekly"),
        ("ship to stores every week", "weekly"),
        ("weekly replenishment", "weekly"),
        ("bi-weekly replenishment", "bi-weekly"),
        ("biweekly top-ups", "bi-weekly"),
        ("replenish every two weeks", "bi-weekly"),
        ("restock every other week", "bi-weekly"),
        ("fortnightly replenishment", "bi-weekly"),
        ("no replenishment", "none"),
        ("just one initial allocation", "none"),
        ("I don't want ongoing replenishment", "none"),
        ("replenishment: none", "none"),
    ],
)
def test_replenishment(text, strategy):
    e = read(text)
    assert e.values["replenishment"] == strategy
    assert "replenishment" in e.found


def test_weekly_actuals_do_not_mean_weekly_replenishment():
    e = read("we upload weekly actuals; no replenishment")
    assert e.values["replenishment"] == "none"
    assert not any("more than one way" in f for f in e.flagged)


def test_none_strategy_gets_its_holdback_and_safety_defaults():
    e = read("no replenishment")
    assert e.values["dc_holdback"] == 0.0
    assert e.values["safety_stock"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    "text", ["no markdowns", "No markdown this season", "we will not mark down", "markdowns: none"]
)
def test_no_markdowns(text):
    e = read(text)
    assert e.values["markdown_week"] is None
    assert "markdown_week" in e.found
    make_parameters(e.values)  # valid without a checkpoint


def test_markdown_week_and_target():
    e = read("markdown check at week 8 if below 55% sell-through")
    assert e.values["markdown_week"] == 8
    assert e.values["markdown_target"] == pytest.approx(0.55)
    e = read("markdown at wk 5")
    assert e.values["markdown_week"] == 5
    e = read("Sell-through target of 0.65 at week 7 for markdowns")
    assert e.values["markdown_week"] == 7
    assert e.values["markdown_target"] == pytest.approx(0.65)


def test_markdown_week_without_target_flags_the_default_target():
    e = read("markdown at week 5")
    assert e.values["markdown_week"] == 5
    assert any(f.startswith("markdown_target not found") and "60%" in f for f in e.flagged)


def test_week_number_outside_a_markdown_sentence_is_not_a_markdown_week():
    e = read("a 10-week season. Week 3 is Easter.")
    assert "markdown_week" not in e.found


@pytest.mark.parametrize(
    "text, value",
    [("safety stock 15%", 0.15), ("15% safety stock", 0.15), ("safety stock of 0.3", 0.30), ("buffer of 10%", 0.10)],
)
def test_safety_stock(text, value):
    e = read(text)
    assert e.values["safety_stock"] == pytest.approx(value)
    assert "safety_stock" in e.found


@pytest.mark.parametrize("text, k", [
    ("4 clusters", 4), ("use five store clusters", 5), ("cluster the stores into 6 groups", 6), ("n_clusters=2", 2),
])
def test_clusters(text, k):
    e = read(text)
    assert e.values["n_clusters"] == k


def test_other_numeric_settings():
    e = read("variance threshold 25%, emergency threshold 50%, markdown cap 30%, "
             "price elasticity 1.5, markdown elasticity 2.5")
    v = e.values
    assert v["variance_threshold"] == pytest.approx(0.25)
    assert v["emergency_threshold"] == pytest.approx(0.50)
    assert v["markdown_cap"] == pytest.approx(0.30)
    assert v["price_elasticity"] == pytest.approx(1.5)
    assert v["markdown_elasticity"] == pytest.approx(2.5)


@pytest.mark.parametrize(
    "text, cat",
    [
        ("Plan Women's Dresses", "Women's Dresses"),
        ("plan womens dresses", "Women's Dresses"),
        ("WOMEN'S DRESSES for spring", "Women's Dresses"),
        ("a dresses season", "Women's Dresses"),
        ("men's shirt season", "Men's Shirts"),
        ("accessories", "Accessories"),
    ],
)
def test_category_matching(text, cat):
    e = read(text)
    assert e.values["category"] == cat
    assert "category" in e.found


def test_numeric_department_categories():
    assert match_category("plan dept 7 for summer", ["1", "7", "72"])[0] == "7"
    assert match_category("plan 7 weeks", ["1", "7", "72"])[0] is None


def test_unreadable_text_leaves_defaults_and_flags_everything():
    e = read("blah blah 42 things")
    assert e.found == []
    assert e.values["horizon_weeks"] == 12
    assert e.values["replenishment"] == "weekly"
    assert e.values["dc_holdback"] == pytest.approx(0.10)  # the default chosen by replay
    assert e.values["safety_stock"] == pytest.approx(0.20)
    assert e.values["markdown_week"] == 6
    # Season follows the history: the Monday after 2024-12-31.
    assert e.values["season_start"] == date(2025, 1, 6)
    assert 'not understood, ignored: "blah blah 42 things"' in e.flagged
    for field in ("category", "season_start", "horizon_weeks", "replenishment", "dc_holdback", "safety_stock",
                  "markdown checkpoint"):
        assert any(f.startswith(field) for f in e.flagged), field
    make_parameters(e.values)


def test_empty_text_is_valid_defaults():
    e = read("")
    assert e.found == []
    make_parameters(e.values)


def test_holdback_with_no_replenishment_is_dropped_and_flagged():
    e = read("no replenishment, 30% holdback")
    assert e.values["replenishment"] == "none"
    assert e.values["dc_holdback"] == 0.0
    assert "dc_holdback" not in e.found
    # the share reads as typed (30%), and the message says what the default is
    assert any(f.startswith("dc_holdback = 30% from the text was not accepted") and "'none'" in f
               and f.endswith("left at default 0%") for f in e.flagged)
    # flagged once, not again as "not found"
    assert not any(f.startswith("dc_holdback not found") for f in e.flagged)


def test_out_of_range_value_is_left_at_default_with_the_validation_message():
    e = read("a 60-week season, weekly")
    assert e.values["horizon_weeks"] == 12
    assert any(f.startswith("horizon_weeks = 60 from the text") and f.endswith("left at default 12") for f in e.flagged)
    assert any("horizon_weeks = 60" in f and "[1, 52]" in f for f in e.flagged)


def test_markdown_week_beyond_horizon_is_rejected():
    e = read("8-week season, markdown at week 10")
    assert e.values["horizon_weeks"] == 8
    assert e.values["markdown_week"] == 6
    assert any("markdown_week = 10" in f for f in e.flagged)


def test_empty_category_list_is_flagged():
    e = read("12 weeks", categories=[])
    assert e.values["category"] is None
    assert any("no categories" in f for f in e.flagged)


def test_full_sentence_mix():
    e = read(
        "Plan Men's Shirts for 16 weeks from 2025-03-01 with a 30% holdback, replenish every two weeks, "
        "safety stock 15%, 4 clusters, no markdowns."
    )
    v = e.values
    assert (v["category"], v["horizon_weeks"], v["season_start"], v["dc_holdback"], v["replenishment"]) == (
        "Men's Shirts", 16, date(2025, 3, 1), 0.3, "bi-weekly")
    assert (v["safety_stock"], v["n_clusters"], v["markdown_week"]) == (0.15, 4, None)
    assert e.flagged == []


def test_number_words_after_holdback_are_not_shares():
    e = read("no DC holdback, one initial allocation")
    assert e.values["dc_holdback"] == 0.0 and e.values["replenishment"] == "none"


def test_weeks_as_a_point_in_time_are_not_the_horizon():
    e = read("6 weeks in, check markdowns at week 6 below 60% sell-through")
    assert "horizon_weeks" not in e.found and e.values["horizon_weeks"] == 12
    assert e.values["markdown_week"] == 6


def test_the_week_number_is_not_read_as_the_sell_through_target() -> None:
    """Walk-through: "at week 6 if sell-through is below 45%" gave a 6% target."""
    from core.agents.rules_extractor import read_text

    for text in ("Check markdowns at week 6 if sell-through is below 45%",
                 "Check markdowns at week 6 if sell-through is under 0.45"):
        reading = read_text(text)
        assert reading.values["markdown_week"] == 6
        assert reading.values["markdown_target"] == 0.45, text


def test_money_in_free_text_is_read() -> None:
    e = read("12 weeks from March 3. It sells at $40, costs $18 to make, and we can clear leftovers at $5.")
    assert (e.values["unit_price"], e.values["unit_cost"], e.values["salvage_value"]) == (40.0, 18.0, 5.0)
    assert e.values["order_policy"] == "profit"
    stated = read("12 weeks from March 3 with 25% safety stock; unsold stock goes to the outlet for $6 a unit")
    assert stated.values["salvage_value"] == 6.0 and stated.values["order_policy"] == "safety_stock"
    make_parameters({k: v for k, v in e.values.items() if k != "category"} | {"category": "x"})
