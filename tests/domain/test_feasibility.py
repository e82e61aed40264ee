"""Feasibility (docs/planning-rules.md §7): inputs that could never reach the end of a season are refused up front."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from core.domain.errors import InfeasibleSeason
from core.domain.feasibility import MAX_LEAD_WEEKS, MIN_WEEKS, check_feasibility
from core.domain.ingest import parse_history, parse_stores
from core.domain.params import ParameterError, make_parameters
from tests.reliability.data import CATEGORY, SEASON_START, STORES, STORES_HEADER, history_csv, stores_csv

LAST = date(2025, 2, 24)  # last Monday of the default test history (60 weeks)


def frames(history: bytes | None = None, stores: bytes | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    h = parse_history(history if history is not None else history_csv(), "history.csv").frame
    s = parse_stores(stores if stores is not None else stores_csv(), "stores.csv").frame
    return h, s


def params(**kw: object):  # type: ignore[no-untyped-def]
    return make_parameters({"category": CATEGORY, "season_start": SEASON_START.isoformat(), "n_clusters": 2, **kw})


def test_a_normal_season_is_feasible_unchanged() -> None:
    h, s = frames()
    got = check_feasibility(params(), h, s)
    assert got.parameters.n_clusters == 2 and got.notes == []


@pytest.mark.parametrize("start", ["1850-01-06", "9999-12-27", "0001-01-01"])
def test_impossible_calendar_dates_are_refused_by_the_parameters(start: str) -> None:
    with pytest.raises(ParameterError) as exc:
        params(season_start=start)
    assert exc.value.messages == [f"season_start = {start} is out of range: allowed 1990-01-01..2102-12-31"]


def test_season_long_before_the_history_is_refused_with_the_allowed_range() -> None:
    h, s = frames()
    first = LAST - timedelta(weeks=59)
    with pytest.raises(InfeasibleSeason) as exc:
        check_feasibility(params(season_start="2000-01-03"), h, s)
    earliest = first + timedelta(weeks=MIN_WEEKS)
    latest = LAST + timedelta(weeks=1 + MAX_LEAD_WEEKS)
    assert exc.value.messages == [
        f"season_start = 2000-01-03 leaves 0 complete week(s) of {CATEGORY!r} history before the season; at "
        f"least {MIN_WEEKS} are needed: allowed {earliest.isoformat()}..{latest.isoformat()}"]
    # the bounds themselves are feasible
    check_feasibility(params(season_start=earliest.isoformat()), h, s)
    check_feasibility(params(season_start=latest.isoformat()), h, s)
    with pytest.raises(InfeasibleSeason, match="more than 104 weeks after"):
        check_feasibility(params(season_start=(latest + timedelta(weeks=1)).isoformat()), h, s)


def test_history_too_short_to_forecast_is_refused() -> None:
    h, s = frames(history_csv(weeks=5))
    with pytest.raises(InfeasibleSeason) as exc:
        check_feasibility(params(), h, s)
    assert exc.value.messages == [
        f"the history of {CATEGORY!r} is too short to forecast: 5 complete week(s) from 2025-01-27, at least "
        f"{MIN_WEEKS} weeks are needed"]


def _stores(rows: dict[str, tuple]) -> bytes:
    return ("\n".join([STORES_HEADER] + [f"{k},{','.join(map(str, v[:7]))}" for k, v in rows.items()]) + "\n").encode()


def _history_for(store_ids: list[str], weeks: int = 20, units: int = 10) -> bytes:
    lines = ["date,store_id,category,quantity_sold"]
    for i in range(weeks):
        day = LAST - timedelta(weeks=weeks - 1 - i)
        lines += [f"{day.isoformat()},{sid},{CATEGORY},{units}" for sid in store_ids]
    return ("\n".join(lines) + "\n").encode()


def test_one_store_is_refused_before_anything_is_stored() -> None:
    h, s = frames(_history_for(["S1"]), _stores({"S1": STORES["S1"]}))
    with pytest.raises(InfeasibleSeason) as exc:
        check_feasibility(params(), h, s)
    assert exc.value.messages == ["n_clusters: clustering needs at least 2 stores with different attributes; "
                                  "the dataset has 1 store(s), 1 distinct"]


def test_identical_stores_count_as_one() -> None:
    same = {f"S{i}": STORES["S1"] for i in range(1, 5)}
    h, s = frames(_history_for(list(same)), _stores(same))
    with pytest.raises(InfeasibleSeason, match="the dataset has 4 store\\(s\\), 1 distinct"):
        check_feasibility(params(n_clusters=3), h, s)


def test_more_clusters_than_distinct_stores_are_capped_with_a_note() -> None:
    h, s = frames()
    got = check_feasibility(params(n_clusters=8), h, s)
    assert got.parameters.n_clusters == 4
    assert got.notes == ["n_clusters = 8 is more than the 4 stores with different attributes; using n_clusters = 4"]


def test_all_zero_category_is_feasible_and_says_the_order_must_be_modified() -> None:
    h, s = frames(_history_for(list(STORES), units=0))
    got = check_feasibility(params(), h, s)
    assert len(got.notes) == 1 and "sold 0 units in the 20 weeks" in got.notes[0]
    assert "cannot be accepted; modify the order" in got.notes[0]


def test_unknown_category_is_refused() -> None:
    h, s = frames()
    with pytest.raises(InfeasibleSeason, match="category 'Shoes' has no history rows"):
        check_feasibility(params(category="Shoes"), h, s)
