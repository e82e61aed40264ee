from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.demo import CATEGORIES, demo_actuals_bytes, demo_csv_bytes, write_demo_data
from core.domain.ingest import parse_actuals, parse_history, parse_stores


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo_data(out)


def test_layout(written):
    out, paths = written
    names = sorted(str(p.relative_to(out)) for p in paths)
    expected = ["history.csv", "stores.csv"] + [
        f"actuals/{s}/week_{k:02d}.csv" for s in ("high", "low", "normal") for k in range(1, 13)
    ]
    assert names == sorted(expected)
    assert all(p.exists() for p in paths)


def test_same_seed_gives_the_same_bytes(written, tmp_path):
    out, paths = written
    again = write_demo_data(tmp_path)
    for first, second in zip(paths, again):
        assert first.read_bytes() == second.read_bytes(), first.name
    other = write_demo_data(tmp_path / "other", seed=1)
    assert other[0].read_bytes() != paths[0].read_bytes()


def test_written_files_parse_cleanly(written):
    out, _ = written
    history = parse_history((out / "history.csv").read_bytes(), "history.csv")
    stores = parse_stores((out / "stores.csv").read_bytes(), "stores.csv")
    assert history.categories == sorted(CATEGORIES)
    assert history.frequency == "daily"
    assert history.first_date == date(2023, 1, 1) and history.last_date == date(2025, 12, 31)
    assert history.stores == stores.store_ids == [f"S{i:03d}" for i in range(1, 51)]
    assert stores.warnings == []
    assert not history.frame["revenue"].isna().any()


@pytest.mark.parametrize("scenario", ["normal", "high", "low"])
def test_actual_files_align_to_season_weeks(written, scenario):
    out, _ = written
    store_ids = [f"S{i:03d}" for i in range(1, 51)]
    for k in range(1, 13):
        for category in CATEGORIES:
            up = parse_actuals(
                (out / "actuals" / scenario / f"week_{k:02d}.csv").read_bytes(), f"week_{k:02d}.csv",
                season_start=date(2026, 2, 23), horizon_weeks=12, known_stores=store_ids, category=category,
            )
            assert up.week == k
            assert up.week_start == date(2026, 2, 23) + timedelta(weeks=k - 1)
            assert up.missing_stores == []
            assert len(up.daily) == 7 * 50
            assert up.warnings == []
            assert up.other_category_rows == 700
            assert up.notes == [
                "700 rows of other categories ("
                + ", ".join(repr(c) for c in CATEGORIES if c != category)
                + f") were ignored; this workflow plans {category!r}"
            ]


def test_season_start_on_the_first_of_march_maps_to_the_same_weeks(written):
    out, _ = written
    up = parse_actuals(
        (out / "actuals" / "normal" / "week_01.csv").read_bytes(), "week_01.csv",
        season_start=date(2026, 3, 1), horizon_weeks=12, known_stores=[], category="Men's Shirts",
    )
    assert up.week == 1 and up.week_start == date(2026, 2, 23)


def test_in_memory_bytes_match_the_files(written):
    out, _ = written
    history, stores = demo_csv_bytes()
    assert history == (out / "history.csv").read_bytes()
    assert stores == (out / "stores.csv").read_bytes()
    assert demo_actuals_bytes("high", 5) == (out / "actuals" / "high" / "week_05.csv").read_bytes()
    with pytest.raises(ValueError, match="allowed normal, high, low"):
        demo_actuals_bytes("extreme", 1)
