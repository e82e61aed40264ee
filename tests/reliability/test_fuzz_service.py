"""Hostile files through the service (what the pages and the CLI call): a rejection is always a
PlannerError with readable messages, never a traceback, and the database is left exactly as it was.

Every test runs on SQLite and on PostgreSQL (see conftest). Example counts are capped so the
whole module stays well under a minute per backend.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from core.domain.errors import IngestError, PlannerError
from tests.reliability import data, figures
from tests.reliability.dbdump import dump
from tests.reliability.hostile import bad_value_for, mangled, replace_cell

FUZZ = settings(max_examples=80, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

HISTORY = data.history_csv()
STORES = data.stores_csv()
HISTORY_ROWS = HISTORY.count(b"\n") - 1
STORES_ROWS = STORES.count(b"\n") - 1


def _assert_readable(exc: PlannerError) -> None:
    assert exc.messages, "a rejection must say why"
    for m in exc.messages:
        assert isinstance(m, str) and m.strip()
        assert "Traceback" not in m
    if isinstance(exc, IngestError) and exc.problems:
        assert all(p.file for p in exc.problems)


def _import(service: Any, history: bytes, stores: bytes) -> Any:
    return service.import_dataset(history=history, history_name="history.csv", stores=stores,
                                  stores_name="stores.csv")


@FUZZ
@given(hs.data())
def test_history_with_one_hostile_cell_is_rejected_and_nothing_stored(service: Any, db_url: str,
                                                                      draw: hs.DataObject) -> None:
    column = draw.draw(hs.sampled_from(["date", "store_id", "category", "quantity_sold"]))
    row = draw.draw(hs.integers(1, HISTORY_ROWS))
    value = draw.draw(bad_value_for(column))
    bad = replace_cell(HISTORY, row, column, value)
    before = dump(db_url)
    with pytest.raises(PlannerError) as err:
        _import(service, bad, STORES)
    figures.add("hostile inputs tried")
    _assert_readable(err.value)
    assert dump(db_url) == before


@FUZZ
@given(hs.data())
def test_stores_with_one_hostile_cell_is_rejected_and_nothing_stored(service: Any, db_url: str,
                                                                     draw: hs.DataObject) -> None:
    column = draw.draw(hs.sampled_from(["store_id", "avg_weekly_sales_12mo", "store_size_sqft", "median_income",
                                        "location_tier", "fashion_tier", "store_format", "region"]))
    row = draw.draw(hs.integers(1, STORES_ROWS))
    value = draw.draw(bad_value_for(column))
    bad = replace_cell(STORES, row, column, value)
    before = dump(db_url)
    with pytest.raises(PlannerError) as err:
        _import(service, HISTORY, bad)
    figures.add("hostile inputs tried")
    _assert_readable(err.value)
    assert dump(db_url) == before


@FUZZ
@given(hs.data())
def test_mangled_files_are_either_imported_whole_or_change_nothing(service: Any, db_url: str,
                                                                  draw: hs.DataObject) -> None:
    which = draw.draw(hs.sampled_from(["history", "stores"]))
    how, mangled_bytes = draw.draw(mangled(HISTORY if which == "history" else STORES))
    history, stores = (mangled_bytes, STORES) if which == "history" else (HISTORY, mangled_bytes)
    before = dump(db_url)
    figures.add("hostile inputs tried")
    try:
        info = _import(service, history, stores)
    except PlannerError as exc:
        _assert_readable(exc)
        assert dump(db_url) == before, f"{which} {how}: rejected but the database changed"
        return
    # Accepted (e.g. a truncation at a line end): the dataset is stored whole and is usable.
    after = dump(db_url)
    assert len(after["datasets"]) in (len(before["datasets"]), len(before["datasets"]) + 1)
    assert info.stores >= 1 and info.categories


@pytest.fixture
def in_season(service: Any, dataset_id: int) -> str:
    """A workflow waiting for week 1 actuals (order accepted, allocation done)."""
    doc = service.start_workflow(data.params(), dataset_id=dataset_id)
    doc = service.decide(doc.workflow_id, accept=True)
    assert doc.state == "in_season", doc.last_error
    return doc.workflow_id


WEEK1 = data.actuals_csv(1)
WEEK1_ROWS = WEEK1.count(b"\n") - 1


@FUZZ
@given(hs.data())
def test_hostile_actuals_are_rejected_and_nothing_stored(service: Any, db_url: str, in_season: str,
                                                         draw: hs.DataObject) -> None:
    column = draw.draw(hs.sampled_from(["date", "store_id", "quantity_sold"]))
    row = draw.draw(hs.integers(1, WEEK1_ROWS))
    value = draw.draw(bad_value_for(column))
    bad = replace_cell(WEEK1, row, column, value)
    before = dump(db_url)
    with pytest.raises(PlannerError) as err:
        service.upload_actuals(in_season, bad, "week_01.csv")
    figures.add("hostile inputs tried")
    _assert_readable(err.value)
    assert dump(db_url) == before
    assert service.status(in_season).weeks_done == 0


@FUZZ
@given(hs.data())
def test_mangled_actuals_never_crash_and_a_rejection_changes_nothing(service: Any, db_url: str, in_season: str,
                                                                    draw: hs.DataObject) -> None:
    how, bad = draw.draw(mangled(WEEK1))
    before = dump(db_url)
    figures.add("hostile inputs tried")
    try:
        doc = service.upload_actuals(in_season, bad, "week_01.csv")
    except PlannerError as exc:
        _assert_readable(exc)
        assert dump(db_url) == before, f"{how}: rejected but the database changed"
        return
    # Accepted (a harmless mangling): exactly one active week 1, stored once.
    assert doc.weeks_done == 1
    active = [u for u in service.uploads(in_season) if u["status"] == "active"]
    assert [u["week"] for u in active] == [1]


# ------------------------------------------------------------------ SeasonParameters
ANY_VALUE = hs.one_of(
    hs.none(), hs.booleans(), hs.integers(-10**30, 10**30),
    hs.floats(allow_nan=True, allow_infinity=True),
    hs.sampled_from(["", "nan", "inf", "-inf", "1e400", "=cmd|' /C calc'!A0", "weekly", "bi-weekly", "none",
                     "2025-03-01", "03/01/2025", "2025-02-30", "x" * 10_000, "\x00", "12", "0.2"]),
    hs.lists(hs.integers(), max_size=3), hs.dictionaries(hs.text(max_size=3), hs.integers(), max_size=2),
)
FIELDS = ["category", "season_start", "horizon_weeks", "replenishment", "dc_holdback", "safety_stock",
          "markdown_week", "markdown_target", "variance_threshold", "emergency_threshold", "markdown_elasticity",
          "markdown_step", "markdown_cap", "price_elasticity", "n_clusters", "surprise_field"]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(hs.dictionaries(hs.sampled_from(FIELDS), ANY_VALUE, max_size=8))
def test_make_parameters_gives_parameters_or_a_readable_error(overrides: dict[str, Any]) -> None:
    from core.domain.params import BOUNDS, ParameterError, make_parameters

    values = {"category": "Dresses", "season_start": "2025-03-03"}
    values.update(overrides)
    figures.add("parameter sets tried")
    try:
        p = make_parameters(values)
    except ParameterError as exc:
        assert exc.messages and all(isinstance(m, str) and m.strip() for m in exc.messages)
        return
    # Accepted: every bounded field is a finite number inside its documented range.
    for name, (lo, hi, _, _) in BOUNDS.items():
        v = getattr(p, name)
        if v is not None:
            assert v == v and lo <= v <= hi, (name, v)
    assert isinstance(p.season_start, date) and p.season_start.weekday() == 0
    assert p.replenishment in ("none", "weekly", "bi-weekly")


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hs.dictionaries(hs.sampled_from(FIELDS[1:]), ANY_VALUE, min_size=1, max_size=5))
def test_start_workflow_with_bad_parameters_stores_nothing(service: Any, db_url: str, dataset_id: int,
                                                           overrides: dict[str, Any]) -> None:
    from core.domain.params import ParameterError, make_parameters

    values: dict[str, Any] = data.params()
    values.update(overrides)
    try:
        make_parameters(values)
    except ParameterError:
        pass
    else:
        return  # a valid set is the workflow tests' business; here only rejections matter
    figures.add("parameter sets tried")
    before = dump(db_url)
    with pytest.raises(PlannerError) as err:
        service.start_workflow(values, dataset_id=dataset_id)
    _assert_readable(err.value)
    assert dump(db_url) == before
