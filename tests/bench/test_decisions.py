"""The decision benchmark: real seasons replayed through the simulator, the default rules against the
seed's rules and the oracle (figures, not thresholds)."""

from __future__ import annotations

from datetime import date

import pytest

from core.bench import decisions as D


def test_replayed_seasons_give_every_figure(anchor_dir, walmart_dir) -> None:
    data = anchor_dir.parent
    seasons = [D.replay_season(D.load_anchor(data), "Men's Shirts", date(2024, 3, 4), D.rule_sets()),
               D.replay_season(D.load_walmart(data, ["92"]), "92", date(2012, 2, 4), D.rule_sets())]
    for s in seasons:
        assert set(s.profit) == {"default", "seed", "oracle", "oracle_default"} and s.profit["oracle"] > 0
        assert s.orders["oracle"] == s.orders["oracle_default"] == round(s.demand)
        lost, while_dc = s.lost_weeks["seed"]
        assert 0 <= while_dc <= lost
    doc = D.summarise(seasons)
    for key in ("profit_vs_oracle_median", "profit_vs_oracle_worst", "lost_sales_share", "lost_while_dc_holds_share"):
        assert 0 <= doc[key] <= 2 and 0 <= doc[f"seed_{key}"] <= 2
    assert doc["decision_seasons"] == 2
    for s in seasons:  # the report's estimate and the replay's truth are both carried per rule set
        assert all(x["lost"] >= 0 and x["lost_estimated"] >= 0 for x in s.extra.values())
    if "lost_sales_estimate_ratio_median" in doc:
        assert 0 < doc["lost_sales_estimate_ratio_median"] < 3 and doc["lost_sales_estimate_seasons"] >= 1


def test_the_seed_rules_are_restored_only_inside_their_context() -> None:
    from core.domain import season_week
    from core.domain.simulation import simulator

    before = (simulator.allocate, season_week.replenishment_quantities, season_week.decide_markdown)
    with D.seed_rules():
        now = (simulator.allocate, season_week.replenishment_quantities, season_week.decide_markdown)
        assert all(a is not b for a, b in zip(now, before))
    assert (simulator.allocate, season_week.replenishment_quantities, season_week.decide_markdown) == before


@pytest.mark.parametrize("runs", [1])
def test_order_options_are_timed(runs: int) -> None:
    assert D.bench_order_options(runs) > 0
