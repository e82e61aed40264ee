"""The global member: trained across a panel, it learns a pattern the series share; without a panel the
forecast is the per-series ensemble; nothing at or after the origin is read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.domain.forecast import forecast_season, store_category_panel
from core.domain.forecast.global_model import YEAR, features, global_forecast

ROOT = Path(__file__).resolve().parents[3]
START = "2021-01-04"


def _pattern(index: pd.DatetimeIndex) -> np.ndarray:
    """A shared yearly shape on the 52-week grid: base 1, a 3-week peak of x2.5 in weeks 18..20, x0.6 in 30..37."""
    woy = ((index - pd.Timestamp(START)).days.to_numpy() // 7) % YEAR
    return np.where((woy >= 18) & (woy <= 20), 2.5, np.where((woy >= 30) & (woy <= 37), 0.6, 1.0))


def _panel(n: int = 12, weeks: int = 182, noise: float = 0.05) -> dict[str, pd.Series]:
    index = pd.date_range(START, periods=weeks, freq="7D")
    rng = np.random.default_rng(3)
    return {f"s{i}": pd.Series((100.0 + 40 * i) * _pattern(index) * np.exp(rng.normal(0, noise, weeks)), index=index)
            for i in range(n)}


def test_learns_the_shared_peak_across_series() -> None:
    panel = _panel()
    cut = 3 * YEAR + 12  # the 12 weeks after the cut hold the peak (weeks 12..23 of the year)
    target = panel["s3"]
    grid = pd.date_range(START, periods=cut + 12, freq="7D")
    path, why = global_forecast(target.to_numpy()[:cut], grid, 12, panel, "s3")
    assert why is None and path is not None and len(path) == 12
    truth = 220.0 * _pattern(grid[cut:])
    wape = np.abs(path - truth).sum() / truth.sum()
    assert wape < 0.05, wape
    peak = path[6:9].mean() / np.r_[path[:5], path[10:]].mean()  # weeks 18..20 against the rest
    assert 2.0 < peak < 3.0, peak


def test_reads_nothing_at_or_after_the_origin() -> None:
    panel = _panel()
    cut = 2 * YEAR + 12
    grid = pd.date_range(START, periods=cut + 12, freq="7D")
    y = panel["s1"].to_numpy()[:cut]
    before, _ = global_forecast(y, grid, 12, panel, "s1")
    changed = {k: v.where(v.index < grid[cut], v * 50.0) for k, v in panel.items()}
    after, _ = global_forecast(y, grid, 12, changed, "s1")
    assert before is not None and after is not None and np.array_equal(before, after)
    x, scale, t = features(np.r_[y, np.full(12, 1e9)], pd.Timestamp(START), np.array([cut]), 12)
    assert np.isfinite(x).all() and scale[0] < 1000 and list(t) == list(range(cut, cut + 12))


def test_forecast_weights_with_a_panel_and_unchanged_without() -> None:
    panel = _panel()
    history = panel["s2"].iloc[: 2 * YEAR + 12].rename("s2")
    start = history.index[-1].date() + pd.Timedelta(days=7)
    alone = forecast_season(history, season_start=start, horizon_weeks=12, category="s2", backtest=False)
    plain = forecast_season(history, season_start=start, horizon_weeks=12, category="s2", backtest=False, panel=None)
    assert alone.weights == {"mstl": 0.5, "seasonal_avg": 0.5} and "global" not in alone.members
    assert [w.plan for w in alone.weeks] == [w.plan for w in plain.weeks]
    fc = forecast_season(history, season_start=start, horizon_weeks=12, category="s2", backtest=True, panel=panel)
    assert fc.weights == pytest.approx({"mstl": 0.425, "seasonal_avg": 0.425, "global": 0.15})
    mixed = sum(fc.weights[k] * np.array(v) for k, v in fc.member_weekly.items())
    assert np.allclose([w.plan for w in fc.weeks], mixed)
    assert "global" in fc.backtest and "global" in fc.method
    # The peak the panel shares: the global member's weeks 18..20 are the highest of its season.
    g = np.array(fc.member_weekly["global"])
    assert g[6:9].min() > 1.8 * np.median(g)


def test_too_small_a_panel_is_said_and_left_out() -> None:
    panel = dict(list(_panel().items())[:2])
    history = panel["s1"].iloc[: 2 * YEAR + 12].rename("s1")
    start = history.index[-1].date() + pd.Timedelta(days=7)
    fc = forecast_season(history, season_start=start, horizon_weeks=12, category="s1", backtest=False, panel=panel)
    assert "global" not in fc.members and fc.weights == {"mstl": 0.5, "seasonal_avg": 0.5}
    assert any("global member left out: 2 distinct series" in w for w in fc.warnings)


def test_copies_count_once() -> None:
    """A total written as equal part rows (what a file may hold) is one series, not a panel of eleven."""
    index = pd.date_range(START, periods=182, freq="7D")
    total = pd.Series(1000.0 * _pattern(index) * np.exp(np.random.default_rng(1).normal(0, 0.05, 182)), index=index)
    panel = {"total": total, **{f"P{k} | total": (total / 10).round(1) for k in range(10)}}
    history = total.iloc[: 3 * YEAR + 12].rename("total")
    start = history.index[-1].date() + pd.Timedelta(days=7)
    fc = forecast_season(history, season_start=start, horizon_weeks=12, category="total", backtest=False, panel=panel)
    assert "global" not in fc.members
    assert any("global member left out: 1 distinct series" in w for w in fc.warnings)
    noisy = {**panel, **_panel(3)}  # three more shapes: four distinct series, the copies still count once
    fc = forecast_season(history, season_start=start, horizon_weeks=12, category="total", backtest=False, panel=noisy)
    assert fc.weights["global"] == 0.15


def test_store_category_panel_sums_to_the_category() -> None:
    weeks = pd.date_range("2023-01-02", periods=3, freq="7D")
    rows = [{"week_start": w, "store_id": s, "category": "Dresses", "quantity": q, "revenue": 0.0, "days": 7}
            for w, s, q in [(weeks[0], "S1", 5), (weeks[0], "S2", 7), (weeks[1], "S1", 4), (weeks[2], "S2", -3),
                            (weeks[2], "S1", 6)]]
    panel = store_category_panel(pd.DataFrame(rows))
    assert sorted(panel) == ["Dresses", "S1 | Dresses", "S2 | Dresses"]
    assert panel["S1 | Dresses"].tolist() == [5.0, 4.0, 6.0] and panel["S2 | Dresses"].tolist() == [7.0, 0.0, 0.0]
    assert panel["Dresses"].tolist() == [12.0, 4.0, 6.0]


def test_importing_the_forecast_does_not_import_lightgbm() -> None:
    script = ("import sys; import core.domain.forecast; from core.cli.main import main\n"
              "print('lightgbm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


def test_a_date_outside_the_grid_is_not_trained_on() -> None:
    panel = _panel(6)
    odd = panel["s0"].copy()
    odd.index = odd.index + pd.Timedelta(days=2)  # another weekday: not on the forecast's grid
    panel["odd"] = odd * 1000
    cut = 2 * YEAR + 12
    grid = pd.date_range(START, periods=cut + 12, freq="7D")
    with_odd, _ = global_forecast(panel["s0"].to_numpy()[:cut], grid, 12, panel, "s0")
    del panel["odd"]
    without, _ = global_forecast(panel["s0"].to_numpy()[:cut], grid, 12, panel, "s0")
    assert with_odd is not None and np.array_equal(with_odd, without)
