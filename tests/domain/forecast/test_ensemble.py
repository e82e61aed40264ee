from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from core.domain.forecast import forecast_season
from tests.domain.forecast.helpers import seasonal_series, seasonal_value


def test_two_season_starts_give_different_correctly_dated_forecasts() -> None:
    series = seasonal_series()  # Monday weeks 2021-01-04 .. 2023-12-25
    spring = forecast_season(series, season_start=date(2024, 3, 4), horizon_weeks=12, category="D")
    autumn = forecast_season(series, season_start=date(2024, 9, 2), horizon_weeks=12, category="D")
    assert [w.start for w in spring.weeks] == [date(2024, 3, 4) + timedelta(weeks=k) for k in range(12)]
    assert [w.start for w in autumn.weeks] == [date(2024, 9, 2) + timedelta(weeks=k) for k in range(12)]
    assert [w.week for w in spring.weeks] == list(range(1, 13))
    # The gap (Jan..Feb 2024 for spring) is forecast through: each week matches the pattern of its own date.
    # (Both members sit about 3% high on this sine of 365.25 days sampled on a 52-week grid; the
    # damped-trend member drifts to 4% by the end of the autumn season, 36..48 weeks ahead.)
    for fc in (spring, autumn):
        for w in fc.weeks:
            assert w.plan == pytest.approx(seasonal_value(w.start), rel=0.05)
    assert spring.total > 1.2 * autumn.total  # spring sits on the high half of the sine


def test_members_are_reported_and_average_to_the_plan() -> None:
    fc = forecast_season(seasonal_series(noise=0.05), season_start=date(2024, 2, 5), horizon_weeks=8, category="D")
    assert set(fc.members) == {"mstl", "seasonal_avg"}
    for name, weekly in fc.member_weekly.items():
        assert len(weekly) == 8
        assert fc.members[name] == pytest.approx(sum(weekly))
    assert fc.total == pytest.approx(np.mean(list(fc.members.values())))
    assert all(w.lo < w.plan < w.hi for w in fc.weeks)


def test_non_monday_start_is_moved_to_its_week_and_said() -> None:
    fc = forecast_season(seasonal_series(), season_start=date(2024, 3, 7), horizon_weeks=2, category="D")
    assert fc.weeks[0].start == date(2024, 3, 4)
    assert any("not a week start" in w for w in fc.warnings)


def test_short_history_falls_back_and_says_so() -> None:
    fc = forecast_season(seasonal_series(weeks=30), season_start=date(2021, 8, 2), horizon_weeks=4, category="D")
    assert set(fc.members) == {"ets", "naive"}
    assert any("no yearly pattern" in w for w in fc.warnings)
    with pytest.raises(ValueError, match="at least 8 are needed"):
        forecast_season(seasonal_series(weeks=5), season_start=date(2021, 3, 1), horizon_weeks=4, category="D")


def test_one_year_and_a_few_weeks_of_history_already_follow_the_yearly_pattern() -> None:
    # 60 weeks (2021-01-04 .. 2022-02-21): a year plus 8 weeks, too few for a 13-week level window. The
    # spring season must follow last spring's rise, not a flat line at the winter's level.
    series = seasonal_series(weeks=60)
    fc = forecast_season(series, season_start=date(2022, 2, 28), horizon_weeks=12, category="D")
    assert set(fc.members) == {"mstl", "seasonal_avg"}
    assert not any("no yearly pattern" in w for w in fc.warnings)
    truth = sum(seasonal_value(w.start) for w in fc.weeks)
    assert fc.total == pytest.approx(truth, rel=0.05)
    flat = 12 * float(series.iloc[-8:].mean())  # what a level forecast would say: 8% below the truth
    assert abs(fc.total - truth) < 0.5 * abs(flat - truth)


def test_intervals_cover_about_80_percent_on_a_backtest() -> None:
    series = seasonal_series(weeks=200, noise=0.08, seed=3)
    inside = total = 0
    for origin in range(140, 188, 4):
        history = series.iloc[:origin]
        fc = forecast_season(history, season_start=series.index[origin].date(), horizon_weeks=12, category="D")
        actual = series.iloc[origin:origin + 12].to_numpy()
        inside += sum(w.lo <= a <= w.hi for w, a in zip(fc.weeks, actual))
        total += len(actual)
    assert 0.68 <= inside / total <= 0.92


def test_moving_easter_spike_lands_in_this_years_easter_week() -> None:
    # Flat 1000 a week with a tripled week before Easter Sunday (the Monday week containing Easter
    # minus one); Easter 2022 = 17 April, 2023 = 9 April, 2024 = 31 March.
    index = pd.date_range("2021-01-04", periods=170, freq="7D")
    values = pd.Series(1000.0, index=index)
    for easter in ("2021-04-04", "2022-04-17", "2023-04-09"):
        week = pd.Timestamp(easter) - pd.Timedelta(days=pd.Timestamp(easter).weekday())
        values.loc[week - pd.Timedelta(days=7)] = 3000.0
    history = values.loc[: "2023-12-31"]
    fc = forecast_season(history, season_start=date(2024, 3, 4), horizon_weeks=8, category="D")
    peak = max(fc.weeks, key=lambda w: w.plan)
    assert peak.start == date(2024, 3, 18)  # the week before the week of Easter 2024
    assert peak.plan > 2.0 * np.median([w.plan for w in fc.weeks])


def test_mstl_forecast_is_statsforecasts_mstl_model() -> None:
    from statsforecast.models import MSTL, AutoETS

    from core.domain.forecast.ensemble import mstl_forecast
    from tests.domain.forecast.helpers import seasonal_series

    y = seasonal_series(weeks=150, noise=0.05).to_numpy()
    for steps in (12, 60):
        expected = MSTL(season_length=52, trend_forecaster=AutoETS(model="ANN")).forecast(y=y, h=steps)["mean"]
        assert np.array_equal(mstl_forecast(y, steps), expected)


def test_holiday_positions_by_date_arithmetic_match_a_search_on_any_grid() -> None:
    import pandas as pd

    from core.domain.forecast.realign import holiday_week_positions

    regular = pd.date_range("2010-02-05", periods=200, freq="7D")
    # The same weeks plus one odd date at the end force the searchsorted path.
    odd = regular.append(pd.DatetimeIndex([regular[-1] + pd.Timedelta(days=9)]))
    fast, searched = holiday_week_positions(regular), holiday_week_positions(odd)
    # Beyond position 199 only the odd grid has weeks; everything before must agree.
    assert {n: {y: p for y, p in d.items() if p < 200} for n, d in searched.items()} == fast
    # Easter 24 April 2011 is day 443 after Friday 5 February 2010 (week 63); 8 April 2012 is day 793 (week 113).
    assert fast["easter"][2011] == 63 and fast["easter"][2012] == 113
