from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from core.domain.forecast import forecast_season
from core.domain.forecast.backtest import holdout_weeks, score
from tests.domain.forecast.helpers import seasonal_series


def test_score_by_hand() -> None:
    # |errors| 10 + 10 + 0 + 50 = 70 over 350 sold; ratios 0.1, 0.1, 0, 1.0; signed errors sum to -50.
    out = score(np.array([110.0, 90.0, 100.0, 0.0]), np.array([100.0, 100.0, 100.0, 50.0]))
    assert out["wape"] == pytest.approx(0.2)
    assert out["mape"] == pytest.approx(0.3)
    assert out["bias"] == pytest.approx(-1 / 7)


def test_score_skips_unsold_weeks_in_mape_and_refuses_an_unsold_holdout() -> None:
    out = score(np.array([120.0, 5.0]), np.array([100.0, 0.0]))
    assert out == pytest.approx({"wape": 0.25, "mape": 0.2, "bias": 0.25})
    assert score(np.array([3.0, 4.0]), np.array([0.0, 0.0])) == {}
    with pytest.raises(ValueError, match="2 weeks, actual 3"):
        score(np.ones(2), np.ones(3))


def test_holdout_is_the_horizon_capped_at_twelve_weeks() -> None:
    assert [holdout_weeks(h) for h in (1, 6, 12, 26)] == [1, 6, 12, 12]


def test_forecast_carries_the_backtest_of_the_ensemble_and_each_member() -> None:
    series = seasonal_series(weeks=156, noise=0.03)
    fc = forecast_season(series, season_start=date(2024, 1, 1), horizon_weeks=8, category="x")
    assert set(fc.backtest) == {"ensemble", "mstl", "seasonal_avg"}
    for figures in fc.backtest.values():
        assert figures["weeks"] == 8
        # The 8 held-out weeks are the last 8 of the history: 156 weeks from 2021-01-04.
        assert figures["origin"] == series.index[-8].date().isoformat() == "2023-11-06"
    # A clean yearly sine with 3% noise is easy: every member is within a few percent.
    assert 0 < fc.backtest["ensemble"]["wape"] < 0.06
    assert abs(fc.backtest["ensemble"]["bias"]) < 0.05
    # The ensemble is the members' mean, so its bias is the mean of theirs.
    assert fc.backtest["ensemble"]["bias"] == pytest.approx(
        (fc.backtest["mstl"]["bias"] + fc.backtest["seasonal_avg"]["bias"]) / 2)
    assert forecast_season(series, season_start=date(2024, 1, 1), horizon_weeks=8, category="x",
                           backtest=False).backtest == {}


def test_no_backtest_when_the_history_is_too_short_to_hold_weeks_out() -> None:
    fc = forecast_season(seasonal_series(weeks=15), season_start=date(2021, 4, 19), horizon_weeks=12, category="x")
    assert fc.backtest == {}


def test_status_document_carries_the_backtest(sqlite_url: str) -> None:
    from core.orchestrator.service import PlannerService
    from tests.orchestrator.conftest import history_csv, params, stores_csv

    svc = PlannerService(sqlite_url)
    ds = svc.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(), stores_name="s.csv")
    doc = svc.start_workflow(params(), dataset_id=ds.id)
    backtest = doc.forecast["backtest"]
    # The pre-season passes the history's store x category panel: the global member is scored too.
    assert set(backtest) == {"ensemble", "mstl", "seasonal_avg", "global"}
    assert doc.forecast["weights"]["global"] == 0.15
    # horizon_weeks 6 in these parameters: six held-out weeks ending with the history's last week (2025-02-24).
    assert backtest["ensemble"]["weeks"] == 6 and backtest["ensemble"]["origin"] == "2025-01-20"
    assert 0 <= backtest["ensemble"]["wape"] < 0.5
    # Survives the database round trip (a fresh service reads the stored context).
    again = PlannerService(sqlite_url).status(doc.workflow_id)
    assert again.forecast["backtest"] == backtest
