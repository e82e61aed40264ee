from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.domain.forecast import (
    apply_markdown_response,
    category_weekly_series,
    forecast_season,
    markdown_multiplier,
    reforecast,
)
from core.domain.forecast.intervals import Z80
from core.domain.forecast.reforecast import DRIFT_SHARE, LEVEL_SHARE
from core.domain.models import ForecastResult, WeekForecast

SIGMA = 0.2


def flat_plan(weeks: int = 6, plan: float = 999.0) -> ForecastResult:
    band = math.exp(Z80 * SIGMA)
    rows = [
        WeekForecast(week=k + 1, start=date(2025, 2, 17) + timedelta(weeks=k), plan=plan, lo=plan / band, hi=plan * band)
        for k in range(weeks)
    ]
    return ForecastResult(category="D", method="test", weeks=rows, members={"a": plan * weeks},
                          member_weekly={"a": [plan] * weeks})


def test_one_week_update_matches_the_kalman_formula_by_hand() -> None:
    fc = flat_plan()
    out = reforecast(fc, [1199.0])  # log((1199+1)/(999+1)) = log 1.2
    prior = LEVEL_SHARE * SIGMA**2
    noise = (1 - LEVEL_SHARE) * SIGMA**2
    p = prior + DRIFT_SHARE * noise
    gain = p / (p + noise)
    factor = math.exp(gain * math.log(1.2))
    assert out.weeks[0].plan == 999.0  # the observed week keeps its plan (history for variance)
    assert [w.plan for w in out.weeks[1:]] == pytest.approx([999.0 * factor] * 5)
    assert 1.0 < factor < 1.2  # moves towards the actuals but does not chase one week fully
    assert out.revision == 1 and out.based_on_weeks == 1
    assert out.members["a"] == pytest.approx(999.0 + 5 * 999.0 * factor)
    # Intervals: remaining level variance shrank, so the band is narrower than the original one.
    assert out.weeks[1].hi / out.weeks[1].plan < fc.weeks[1].hi / fc.weeks[1].plan


def test_sequential_revisions_equal_one_update_with_all_weeks() -> None:
    fc = flat_plan()
    actuals = [1200.0, 800.0, 1300.0]
    at_once = reforecast(fc, actuals, original=fc)
    stepwise = fc
    for k in (1, 2, 3):
        stepwise = reforecast(stepwise, actuals[:k], original=fc)
    # Week 2 and 3 keep the plans that were in force; the remaining weeks carry the same information.
    # Equal up to the +1 that guards log(0) in the ratio.
    assert [w.plan for w in stepwise.weeks[3:]] == pytest.approx([w.plan for w in at_once.weeks[3:]], rel=1e-4)
    assert [w.hi for w in stepwise.weeks[3:]] == pytest.approx([w.hi for w in at_once.weeks[3:]], rel=1e-4)
    assert stepwise.revision == 3 and at_once.revision == 1


def test_rejects_bad_actuals() -> None:
    with pytest.raises(ValueError, match="1..6 weeks"):
        reforecast(flat_plan(), [1.0] * 7)
    with pytest.raises(ValueError, match=">= 0"):
        reforecast(flat_plan(), [-5.0])


def test_markdown_response() -> None:
    assert markdown_multiplier(0.2, 1.0) == pytest.approx(1.25)
    assert markdown_multiplier(0.5, 2.0) == pytest.approx(4.0)
    out = apply_markdown_response(flat_plan(plan=100.0), from_week=4, depth=0.2, price_elasticity=1.0)
    assert [w.plan for w in out.weeks] == pytest.approx([100, 100, 100, 125, 125, 125])
    assert out.weeks[5].hi == pytest.approx(flat_plan(plan=100.0).weeks[5].hi * 1.25)
    assert out.members["a"] == pytest.approx(675.0)
    with pytest.raises(ValueError, match="depth"):
        apply_markdown_response(flat_plan(), from_week=2, depth=1.0, price_elasticity=1.0)


def scenario_totals(folder: Path) -> list[float]:
    return [float(pd.read_csv(f)["quantity_sold"].sum()) for f in sorted(folder.glob("actuals_week_*.csv"))]


@pytest.mark.parametrize("scenario", ["normal_season", "low_demand"])
def test_reforecast_beats_the_old_plan_on_the_anchor_scenarios(anchor_dir: Path, scenario: str) -> None:
    from core.domain.ingest import parse_history

    history = parse_history((anchor_dir / "historical_sales_2022_2024.csv").read_bytes(), "history.csv")
    series = category_weekly_series(history.frame, "Women's Dresses").values
    fc = forecast_season(series, season_start=date(2025, 2, 17), horizon_weeks=12, category="Women's Dresses")
    actual = np.array(scenario_totals(anchor_dir / "scenarios" / scenario))
    assert len(actual) == 12
    old = np.array([w.plan for w in fc.weeks])
    for k in range(1, 12):
        new = np.array([w.plan for w in reforecast(fc, actual[:k]).weeks])
        rest = slice(k, 12)
        old_error = np.abs(old[rest] - actual[rest]).sum()
        new_error = np.abs(new[rest] - actual[rest]).sum()
        assert new_error < old_error, f"week {k}: re-forecast error {new_error:.0f} vs old plan {old_error:.0f}"
