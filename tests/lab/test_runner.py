"""Comparison runner: the same document inline and on a process pool, progress, best per metric, storage."""

from __future__ import annotations

from datetime import date

import pytest

from core.db.comparisons import get_comparison, list_comparisons, save_comparison
from core.db.engine import open_engine
from core.domain.errors import PlannerError
from core.domain.ingest import parse_history, parse_stores
from core.domain.simulation import METRICS, parameter_set
from core.lab.runner import DemandSpec, InlineExecutor, compare
from tests.orchestrator.conftest import SEASON_START, history_csv, stores_csv


@pytest.fixture(scope="module")
def frames():
    return parse_history(history_csv(), "history.csv").frame, parse_stores(stores_csv(), "stores.csv").frame


def sets(**extra):
    base = {"category": "Dresses", "season_start": SEASON_START.isoformat(), "horizon_weeks": 6, "markdown_week": 3,
            "n_clusters": 2, "unit_cost": 20.0, **extra}
    return [parameter_set({**base, "name": "base"}, source="a.json"),
            parameter_set({**base, "name": "lean", "safety_stock": 0.0}, source="b.json"),
            parameter_set({**base, "name": "rich", "safety_stock": 0.6, "markdown_week": None}, source="c.json")]


def test_monte_carlo_document_is_the_same_inline_and_on_a_pool(frames) -> None:
    history, stores = frames
    seen: list[tuple[int, int]] = []
    inline = compare(history, stores, sets(), DemandSpec("monte-carlo", paths=30, seed=7), executor=InlineExecutor(),
                     progress=lambda done, total: seen.append((done, total)))
    pooled = compare(history, stores, sets(), DemandSpec("monte-carlo", paths=30, seed=7), workers=2)
    assert inline == pooled
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert set(inline) >= {"sets", "demand", "seed", "best"} and inline["seed"] == 7
    names = [s["name"] for s in inline["sets"]]
    assert names == ["base", "lean", "rich"]
    for s in inline["sets"]:
        assert set(s["metrics"]) == set(s["p10"]) == set(s["p90"]) == set(METRICS)
        for k in METRICS:
            assert s["p10"][k] <= s["metrics"][k] <= s["p90"][k]
        assert s["metrics"]["sold"] + s["metrics"]["leftover"] == pytest.approx(s["order"], abs=1)
        assert s["paths"] == 30
    base, lean, rich = inline["sets"]
    assert lean["order"] < base["order"] < rich["order"]
    assert inline["best"]["lost_sales"] == ["rich"]  # the most stock and no markdown lift to chase
    assert inline["best"]["leftover"] in (["lean"], ["base", "lean"], ["base"])
    assert inline["demand"]["source"] == "monte-carlo" and inline["demand"]["paths"] == 30
    # the same seed, the same demand: a new run reproduces the numbers
    again = compare(history, stores, sets(), DemandSpec("monte-carlo", paths=30, seed=7), executor=InlineExecutor())
    assert again == inline
    other = compare(history, stores, sets(), DemandSpec("monte-carlo", paths=30, seed=8), executor=InlineExecutor())
    assert other["sets"][0]["metrics"] != inline["sets"][0]["metrics"]


def test_replay_of_two_past_seasons(frames) -> None:
    history, stores = frames
    doc = compare(history, stores, sets(), DemandSpec("replay", starts=[date(2024, 3, 4), date(2024, 9, 2)]),
                  executor=InlineExecutor())
    seasons = doc["demand"]["seasons"]
    assert [s["start"] for s in seasons] == ["2024-03-04", "2024-09-02"]
    assert all(s["total"] > 0 for s in seasons)
    for s in doc["sets"]:
        assert s["paths"] == 2 and len(s["orders"]) == 2
        assert s["parameters"]["season_start"] == "2024-03-04"


def test_refusals_name_the_set_and_field(frames) -> None:
    history, stores = frames
    a, b, _ = sets()
    c = parameter_set({"category": "Shirts", "season_start": SEASON_START.isoformat(), "horizon_weeks": 6},
                      source="c.json")
    with pytest.raises(PlannerError) as e:
        compare(history, stores, [a, b, c], DemandSpec("monte-carlo", paths=5), sources=["a.json", "b.json", "c.json"])
    assert any(m.startswith("c.json: category = Shirts differs") for m in e.value.messages)
    with pytest.raises(PlannerError) as e:
        compare(history, stores, [a, a], DemandSpec("monte-carlo", paths=5), sources=["a.json", "a2.json"])
    assert "a2.json: name = 'base' is already used by a.json" in e.value.messages[0]
    with pytest.raises(PlannerError, match="2 to 8"):
        compare(history, stores, [a], DemandSpec("monte-carlo", paths=5))
    with pytest.raises(PlannerError) as e:
        compare(history, stores, [a, b], DemandSpec("replay", starts=[date(2023, 3, 6)]))
    assert "--replay 2023-03-06: only" in e.value.messages[0]


def test_comparisons_are_stored_with_inputs_and_results(db_url: str, frames) -> None:
    history, stores = frames
    doc = compare(history, stores, sets(), DemandSpec("monte-carlo", paths=5, seed=1), executor=InlineExecutor())
    engine = open_engine(db_url)
    try:
        first = save_comparison(engine, label="first", inputs={"seed": 1, "files": ["a.json"]}, results=doc)
        second = save_comparison(engine, label="second", inputs={"seed": 2}, results=doc)
        rows = list_comparisons(engine)
        assert [r.id for r in rows] == [second, first]
        assert rows[0].sets == ["base", "lean", "rich"] and rows[0].source == "monte-carlo"
        stored = get_comparison(engine, first)
        assert stored is not None and stored.inputs == {"seed": 1, "files": ["a.json"]}
        assert stored.results == doc
        assert get_comparison(engine, 999_999) is None
        assert list_comparisons(engine, workflow_id="nope") == []
    finally:
        engine.dispose()
