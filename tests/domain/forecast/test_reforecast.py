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
from core.domain.forecast.level import GRID, LevelModel, filter_level, median
from core.domain.models import ForecastResult, WeekForecast

SIGMA = 0.1


def flat_plan(weeks: int = 6, plan: float = 999.0) -> ForecastResult:
    band = math.exp(Z80 * SIGMA)
    rows = [
        WeekForecast(week=k + 1, start=date(2025, 2, 17) + timedelta(weeks=k), plan=plan, lo=plan / band,
                     hi=plan * band)
        for k in range(weeks)
    ]
    return ForecastResult(category="D", method="test", weeks=rows, members={"a": plan * weeks},
                          member_weekly={"a": [plan] * weeks})


def noisy_plan(weeks: int = 8, plan: float = 999.0, noise: float = 0.02) -> ForecastResult:
    return flat_plan(weeks, plan).model_copy(update={"noise_sigma": noise})


def test_without_outliers_or_jumps_the_grid_filter_is_the_kalman_filter() -> None:
    # p_out = p_start = p_jump = 0 leaves a Gaussian local level: the posterior must match the
    # Kalman recursion worked out here by hand, to the grid's precision.
    model = LevelModel(noise=0.05, level_sd=0.1, drift=0.02, p_out=0.0, p_start=0.0, p_jump=0.0)
    x = [0.12, 0.08, -0.03]
    mean, var = 0.0, 0.1**2
    for i, value in enumerate(x):
        if i:
            var += 0.02**2
        gain = var / (var + 0.05**2)
        mean, var = mean + gain * (value - mean), var * (1 - gain)
    pmf, _ = filter_level(np.array(x), model)
    grid_mean = float((pmf * GRID).sum())
    assert grid_mean == pytest.approx(mean, abs=1e-6)
    assert float((pmf * (GRID - grid_mean) ** 2).sum()) == pytest.approx(var, rel=1e-3)
    assert median(pmf) == pytest.approx(mean, abs=1e-4)


def test_one_isolated_spike_after_weeks_on_plan_leaves_the_plan_alone() -> None:
    fc = noisy_plan()
    out = reforecast(fc, [1000.0, 990.0, 1010.0, 1000.0, 1300.0])
    # Weeks 1..4 say the plan's level holds; week 5 alone is far more likely a one-off (p_out 0.10)
    # than a lasting jump (p_jump 0.03), and the "plan holds" model wins the Bayes factor test.
    assert [w.plan for w in out.weeks[5:]] == pytest.approx([999.0] * 3, rel=1e-9)
    assert out.revision == 1 and out.based_on_weeks == 5
    assert out.weeks[4].plan == 999.0  # observed weeks keep the plan that was in force


def test_two_weeks_in_the_same_direction_move_the_level() -> None:
    out = reforecast(noisy_plan(), [1000.0, 990.0, 1010.0, 1000.0, 1300.0, 1300.0])
    factor = out.weeks[6].plan / 999.0
    # Two one-offs in a row (0.1^2) are less likely than one jump (0.03): the level follows to ~x1.3.
    assert 1.25 < factor < 1.32
    assert out.weeks[6].lo < out.weeks[6].plan < out.weeks[6].hi
    assert out.members["a"] == pytest.approx(sum(w.plan for w in out.weeks))


def test_a_first_week_far_off_the_plan_moves_the_level() -> None:
    # At the season start a large level error (p_start 0.25) is likelier than a one-off week (0.10).
    out = reforecast(noisy_plan(), [750.0])
    assert out.weeks[1].plan / 999.0 == pytest.approx(751 / 1000, rel=0.03)
    assert out.level == [0.0] + [pytest.approx(math.log(out.weeks[1].plan / 999.0))] * 7


def test_sequential_revisions_equal_one_update_with_all_weeks() -> None:
    fc = noisy_plan()
    actuals = [1200.0, 800.0, 1300.0, 1250.0]
    at_once = reforecast(fc, actuals, original=fc)
    stepwise = fc
    for k in (1, 2, 3, 4):
        stepwise = reforecast(stepwise, actuals[:k], original=fc)
    # Every revision refits the level on all weeks against the uncorrected plan, so nothing is counted twice.
    assert [w.plan for w in stepwise.weeks[4:]] == pytest.approx([w.plan for w in at_once.weeks[4:]], rel=1e-9)
    assert [w.hi for w in stepwise.weeks[4:]] == pytest.approx([w.hi for w in at_once.weeks[4:]], rel=1e-9)
    assert stepwise.revision == 4 and at_once.revision == 1


def test_after_a_markdown_the_response_is_part_of_the_plan_not_a_level_error() -> None:
    fc = noisy_plan(plan=1000.0)
    marked = apply_markdown_response(reforecast(fc, [1000.0, 1000.0], original=fc), from_week=3, depth=0.2,
                                     price_elasticity=1.0)
    # Weeks 3 and 4 sell the 1.25x the markdown promised: on plan, so the level stays where it was.
    out = reforecast(marked, [1000.0, 1000.0, 1250.0, 1250.0], original=fc)
    assert out.weeks[5].plan == pytest.approx(marked.weeks[5].plan, rel=1e-9)


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


def remaining_wape(plan: np.ndarray, actual: np.ndarray, k: int) -> float:
    return float(np.abs(plan[k:] - actual[k:]).sum() / actual[k:].sum())


def workflow_triggers(fc: ForecastResult, actual: np.ndarray, threshold: float = 0.20) -> list[tuple[int, float]]:
    """Weeks at which the workflow re-forecasts (|actual / plan in force - 1| > threshold), with the
    re-forecast's remaining-weeks WAPE."""
    current, out = fc, []
    for k in range(1, len(actual)):
        if abs(actual[k - 1] / current.weeks[k - 1].plan - 1) > threshold:
            current = reforecast(current, actual[:k], original=fc)
            out.append((k, remaining_wape(np.array([w.plan for w in current.weeks]), actual, k)))
    return out


def check_scenarios(cases: list[tuple[str, ForecastResult, np.ndarray]], shifted: set[str]) -> None:
    gains = []
    for name, fc, actual in cases:
        old = np.array([w.plan for w in fc.weeks])
        triggers = workflow_triggers(fc, actual)
        assert triggers, f"{name}: the scenario never triggers a re-forecast"
        for k, new_error in triggers:
            old_error = remaining_wape(old, actual, k)
            assert new_error <= old_error + 1e-9, (
                f"{name} week {k}: re-forecast {new_error:.2%} vs old plan {old_error:.2%}")
        if name.split("/")[0] in shifted:
            for k in range(1, len(actual)):
                new = np.array([w.plan for w in reforecast(fc, actual[:k]).weeks])
                gains.append(remaining_wape(old, actual, k) - remaining_wape(new, actual, k))
    if shifted:
        # Where demand really moved, the re-forecast is better on average over every week k.
        assert np.mean(gains) > 0.05


def test_demo_scenarios_reforecast_is_never_worse_where_the_workflow_triggers_it() -> None:
    from core.demo import generate_demo
    from core.demo.writer import history_csv
    from core.domain.ingest import parse_history

    demo = generate_demo()
    history = parse_history(history_csv(demo), "history.csv").frame
    cases = []
    for category in demo.categories:
        series = category_weekly_series(history, category).values
        fc = forecast_season(series, season_start=demo.season_start, horizon_weeks=12, category=category,
                             backtest=False)
        for scenario, frame in demo.actuals.items():
            rows = frame[frame["category"] == category]
            actual = rows.groupby("week")["quantity_sold"].sum().sort_index().to_numpy(dtype=float)
            cases.append((f"{scenario}/{category}", fc, actual))
    check_scenarios(cases, shifted={"high", "low"})


def test_anchor_scenarios_reforecast_is_never_worse_where_the_workflow_triggers_it(anchor_dir: Path) -> None:
    from core.domain.ingest import parse_history

    history = parse_history((anchor_dir / "historical_sales_2022_2024.csv").read_bytes(), "history.csv")
    series = category_weekly_series(history.frame, "Women's Dresses").values
    fc = forecast_season(series, season_start=date(2025, 2, 17), horizon_weeks=12, category="Women's Dresses",
                         backtest=False)
    cases = [(f"{s}/Women's Dresses", fc, np.array(scenario_totals(anchor_dir / "scenarios" / s)))
             for s in ("normal_season", "low_demand")]
    check_scenarios(cases, shifted={"normal_season", "low_demand"})
