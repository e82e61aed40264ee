"""A week file of another season is refused with one line, not one identical error per row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.domain.errors import IngestError
from core.domain.ingest import parse_actuals

STORES = [f"S{i:03d}" for i in range(1, 51)]


def week_file(monday: date) -> bytes:
    lines = ["date,store_id,quantity_sold"]
    for d in range(7):
        lines += [f"{monday + timedelta(days=d)},{s},5" for s in STORES]
    return ("\n".join(lines) + "\n").encode()


def test_a_file_of_another_season_gives_one_line() -> None:
    with pytest.raises(IngestError) as info:
        parse_actuals(week_file(date(2026, 2, 23)), "week_01.csv", season_start=date(2025, 3, 3), horizon_weeks=12,
                      known_stores=STORES, category=None)
    assert info.value.messages == [
        "week_01.csv, column 'date': every date in the file (2026-02-23..2026-03-01, 350 rows) is outside the "
        "season 2025-03-03..2025-05-25 (weeks 1..12, Monday..Sunday): the file is for another season"]


def test_a_file_partly_outside_the_season_still_names_each_row() -> None:
    data = week_file(date(2025, 5, 19)).replace(b"2025-05-25,S001", b"2025-05-26,S001")
    with pytest.raises(IngestError) as info:
        parse_actuals(data, "week_12.csv", season_start=date(2025, 3, 3), horizon_weeks=12, known_stores=STORES,
                      category=None)
    assert any("row 302, column 'date': date 2025-05-26 is outside the season" in m for m in info.value.messages)
