from __future__ import annotations

from ui.decision_tables import markdown_options_frame, order_options_frame, replenishment_frame, trend_text


def test_markdown_options_table_shows_money_in_the_currency_and_marks_the_proposal() -> None:
    options = [{"depth": 0.0, "sell_through": 0.76, "leftover": 2400, "revenue": 380000.0, "margin": 228000.0,
                "profit": 180000.0},
               {"depth": 0.2, "sell_through": 0.865, "leftover": 1350, "revenue": 380000.0, "margin": 207000.0,
                "profit": 175000.0}]
    frame = markdown_options_frame(options, "EUR", proposed=0.0)
    assert list(frame.columns) == ["markdown", "projected sell-through", "left over (units)", "revenue (EUR)",
                                   "margin on units sold (EUR)", "expected profit (EUR)", ""]
    assert frame.iloc[0].tolist() == ["none", "76.0%", "2,400", "380,000", "228,000", "180,000", "proposed"]
    assert frame.iloc[1]["markdown"] == "20% off" and frame.iloc[1][""] == ""
    no_cost = markdown_options_frame([{**options[0], "margin": None, "profit": None}], "USD")
    assert no_cost.iloc[0]["margin on units sold (USD)"] == "—" and no_cost.iloc[0]["expected profit (USD)"] == "—"


def test_order_options_table_shows_the_proposal_the_rule_and_the_profit_range() -> None:
    options = [{"quantity": 1000, "sold": 950.0, "lost_sales": 40.0, "leftover": 50.0, "revenue": 47500.0,
                "profit": 27000.0, "profit_quantiles": {"p10": 20000.0, "p90": 30000.0}, "label": "proposal"},
               {"quantity": 1200, "sold": 985.0, "lost_sales": 5.0, "leftover": 215.0, "revenue": 49250.0,
                "profit": 25000.0, "profit_quantiles": {"p10": 15000.0, "p90": 31000.0}, "label": "rule"}]
    frame = order_options_frame(options, "USD")
    assert list(frame.columns) == ["order (units)", "expected sold", "lost sales", "left over", "revenue (USD)",
                                   "expected profit (USD)", "profit P10..P90 (USD)", ""]
    assert frame.iloc[0].tolist() == ["1,000", "950", "40", "50", "47,500", "27,000", "20,000 .. 30,000", "proposed"]
    assert frame.iloc[1][""] == "safety-stock rule"


def test_trend_reads_in_words() -> None:
    trend = [{"week": 4, "variance": 0.25}, {"week": 5, "variance": 0.4}, {"week": 6, "variance": 0.62}]
    assert trend_text(trend, 0.16) == "Season to date +16% against plan; week 4 +25%, week 5 +40%, week 6 +62%."


def test_replenishment_table_says_why_nothing_ships() -> None:
    lines = [{"week": 11, "store_id": "S1", "qty": 59, "partial": False, "on_hand": 100, "cover_weeks": 0.76},
             {"week": 11, "store_id": "S2", "qty": 0, "partial": False, "on_hand": 400, "cover_weeks": 3.03,
              "reason": "on hand 400 covers the next week's need of 158 incl. safety stock (3.0 weeks of cover)"}]
    frame = replenishment_frame(lines)
    assert frame["for week"].tolist() == [12, 12]
    assert frame["weeks of cover"].tolist() == [0.8, 3.0]
    assert frame.iloc[1]["why nothing ships"].startswith("on hand 400 covers")
