"""Weeks on the dataset's calendar: detected from weekly history, any weekday, actuals aligned by it."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from core.domain.calendar import SATURDAY, SUNDAY
from core.domain.errors import PartialWeek
from core.domain.ingest import parse_actuals, parse_history
from tests.domain.ingest.helpers import csv, rejection

STORES = [f"S{i:03d}" for i in range(1, 51)]


def test_weekly_rows_on_saturdays_keep_saturday_weeks():
    data = csv("date,store_id,category,quantity_sold", "2025-03-01,S1,D,70", "2025-03-08,S1,D,77",
               "2025-03-15,S1,D,84", "2025-03-01,S2,D,5", "2025-03-15,S2,D,6")
    up = parse_history(data, "weekly.csv")
    assert (up.frequency, up.week_start, up.detected_week_start) == ("weekly", SATURDAY, SATURDAY)
    assert [d.date().isoformat() for d in up.frame["week_start"].unique()] == ["2025-03-01", "2025-03-08",
                                                                               "2025-03-15"]
    assert up.frame["quantity"].tolist() == [70.0, 77.0, 84.0, 5.0, 6.0]
    assert up.weekday_shares is None
    assert not any("not Saturday" in w or "not Monday" in w for w in up.warnings)


def test_weekly_rows_on_several_weekdays_fall_back_to_monday_and_say_so():
    data = csv("date,store_id,category,quantity_sold", "2025-03-01,S1,D,70", "2025-03-09,S1,D,77")
    up = parse_history(data, "weekly.csv")
    assert (up.week_start, up.detected_week_start) == (0, None)
    assert [d.date().isoformat() for d in up.frame["week_start"]] == ["2025-02-24", "2025-03-03"]
    assert "weekly rows are dated on Saturday, Sunday, not Monday; each row was counted in the Monday..Sunday " \
           "week that contains its date" in up.warnings


def test_daily_rows_sum_into_weeks_of_the_chosen_day_with_a_weekday_profile():
    # Friday 28 Feb .. Sunday 9 March on a Sunday..Saturday calendar.
    rows = [f"{d.date()},S1,D,{d.weekday() + 1}" for d in pd.date_range("2025-02-28", "2025-03-09")]
    up = parse_history(csv("date,store_id,category,quantity_sold", *rows), "daily.csv", week_start=SUNDAY)
    assert up.week_start == SUNDAY and up.detected_week_start is None
    weeks = {r.week_start.date().isoformat(): (r.quantity, r.days) for r in up.frame.itertuples()}
    # Sun 23 Feb week holds Fri 28 + Sat 1 (5 + 6); Sun 2 .. Sat 8 all seven days (1+..+7 = 28); Sun 9 alone (7).
    assert weeks == {"2025-02-23": (11.0, 2), "2025-03-02": (28.0, 7), "2025-03-09": (7.0, 1)}
    assert "the first week (2025-02-23) has only 2 of 7 days; forecasting drops partial weeks" in up.warnings
    # Shares by weekday Monday..Sunday: each weekday once (Fri, Sat, Sun twice) over 46 units.
    total = 1 + 2 + 3 + 4 + 2 * 5 + 2 * 6 + 2 * 7
    assert up.weekday_shares == {"D": [round(v / total, 6) for v in (1, 2, 3, 4, 10, 12, 14)]}


def test_explicit_week_start_matching_the_weekly_rows_says_nothing():
    data = csv("date,store_id,category,quantity_sold", "2025-03-01,S1,D,70", "2025-03-08,S1,D,77")
    up = parse_history(data, "weekly.csv", week_start=SATURDAY)
    assert up.week_start == SATURDAY and up.frame["week_start"].dt.weekday.tolist() == [5, 5]
    assert up.warnings == ["no revenue column: revenue is left empty"]


def test_anchor_high_demand_runs_as_a_whole_season_on_a_saturday_calendar(anchor_dir):
    history = parse_history((anchor_dir / "historical_sales_2022_2024.csv").read_bytes(), "history.csv",
                            week_start=SATURDAY)
    assert (history.frame["week_start"].dt.weekday == SATURDAY).all()
    raw = pd.read_csv(anchor_dir / "historical_sales_2022_2024.csv")
    assert history.frame["quantity"].sum() == raw["quantity_sold"].sum()
    shares = history.weekday_shares["Women's Dresses"]
    assert abs(sum(shares) - 1) < 1e-5 and len(shares) == 7
    for k in range(1, 13):
        path = anchor_dir / "scenarios" / "high_demand" / f"actuals_week_{k:02d}.csv"
        up = parse_actuals(path.read_bytes(), path.name, season_start=date(2025, 3, 1), horizon_weeks=12,
                           known_stores=STORES, category="Women's Dresses", week_start=SATURDAY)
        assert (up.week, up.week_start) == (k, date(2025, 3, 1) + timedelta(weeks=k - 1))
        assert up.total == int(pd.read_csv(path)["quantity_sold"].sum())
        assert up.missing_stores == [] and up.missing_dates == [] and up.warnings == []


def _week(first: str, days: int = 7, stores=("S1", "S2"), qty: int = 3) -> list[str]:
    return [f"{d.date()},{s},{qty}" for d in pd.date_range(first, periods=days) for s in stores]


def _parse(rows: list[str], header: str = "date,store_id,quantity_sold", **kw):
    args = dict(season_start=date(2025, 3, 1), horizon_weeks=12, known_stores=["S1", "S2"], category="D",
                week_start=SATURDAY)
    return parse_actuals(csv(header, *rows), "w.csv", **{**args, **kw})


def test_monday_week_on_a_saturday_calendar_is_refused_naming_both_weeks():
    err = rejection(lambda: _parse(_week("2025-03-03")))  # Monday..Sunday
    assert err.messages[0] == ("w.csv, column 'date': the file spans 2 season weeks; each upload must hold the "
                               "days of one Saturday..Friday season week, so nothing was stored")
    assert "dates 2025-03-03..2025-03-07 (10 rows, lines 2-11) fall in season week 1 " \
           "(Saturday 2025-03-01..Friday 2025-03-07)" in err.messages[1]
    assert "dates 2025-03-08..2025-03-09 (4 rows, lines 12-15) fall in season week 2 " \
           "(Saturday 2025-03-08..Friday 2025-03-14)" in err.messages[2]
    assert err.messages[3].endswith("Saturday..Friday dates (week 1: 2025-03-01..2025-03-07; "
                                    "week 2: 2025-03-08..2025-03-14)")


def test_partial_saturday_week_is_refused_naming_the_missing_dates_then_confirmed():
    rows = _week("2025-03-08", days=3)  # Saturday, Sunday, Monday only
    with pytest.raises(PartialWeek) as info:
        _parse(rows)
    assert info.value.missing_dates == [date(2025, 3, 11) + timedelta(days=k) for k in range(4)]
    assert "week 2 (2025-03-08..2025-03-14, Saturday..Friday) has no rows for Tuesday 2025-03-11, Wednesday " \
           "2025-03-12, Thursday 2025-03-13, Friday 2025-03-14: the file holds 3 of the week's 7 days" \
           in info.value.messages[0]
    up = _parse(rows, confirm_partial=True)
    assert (up.week, up.total, up.partial) == (2, 18, True)
    assert up.dates == [date(2025, 3, 8), date(2025, 3, 9), date(2025, 3, 10)]


def test_dates_outside_a_saturday_season_name_its_calendar():
    err = rejection(lambda: _parse(["2025-02-28,S1,1"]))
    assert err.messages == ["w.csv, row 2, column 'date': date 2025-02-28 is outside the season "
                            "2025-03-01..2025-05-23 (weeks 1..12, Saturday..Friday)"]


@pytest.mark.parametrize("bad, message", [("lots", "'lots' is not a number"),
                                          ("3.5", "'3.5' is not a whole number of units")])
def test_other_category_rows_are_still_checked(bad, message):
    rows = [r + ",D" for r in _week("2025-03-01")] + ["2025-03-02,S1,1,Shirts", f"2025-03-03,S2,{bad},Shirts"]
    err = rejection(lambda: _parse(rows, header="date,store_id,quantity_sold,category"))
    assert [(p.row, p.column) for p in err.problems] == [(17, "quantity_sold")]
    assert message in err.problems[0].message


def test_other_category_rows_with_a_bad_date_or_store_are_errors():
    rows = [r + ",D" for r in _week("2025-03-01")] + ["2025-13-02,S1,1,Shirts", "2025-03-03,S 2,1,Shirts"]
    err = rejection(lambda: _parse(rows, header="date,store_id,quantity_sold,category"))
    assert [(p.row, p.column) for p in err.problems] == [(16, "date"), (17, "store_id")]


def test_well_formed_other_category_rows_are_counted_and_left_out():
    rows = [r + ",D" for r in _week("2025-03-01")] + [r + ",Shirts" for r in _week("2025-03-01", qty=9)]
    up = _parse(rows, header="date,store_id,quantity_sold,category")
    assert (up.total, up.other_category_rows) == (42, 14)
