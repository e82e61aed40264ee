"""Two planners uploading the same week at the same moment: one is stored, the other is told why.

The race is made deterministic: planner A's write transaction pauses (after its upload row is
written, before it commits) until planner B has parsed its file and had time to enter its own
write transaction. On PostgreSQL B used to hit the unique index on (workflow, week, version) and
surface a raw IntegrityError; it must get WeekAlreadyStored and change nothing.
"""

from __future__ import annotations

import threading
import time


import core.domain.ingest as ingest
from core.db.repository import Repository
from core.domain.errors import PlannerError
from core.orchestrator.errors import WeekAlreadyStored
from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def test_same_week_uploaded_twice_at_once_stores_one_and_refuses_the_other(db_url, monkeypatch):
    a = new_service(db_url)
    wf = a.start_workflow(params(markdown_week=None), dataset_id=small_dataset(a)).workflow_id
    a.decide(wf, accept=True)
    b = new_service(db_url)
    data = actuals_csv(1, base_daily())
    b_parsed = threading.Event()
    outcome: dict[str, object] = {}
    real_parse = ingest.parse_actuals
    real_rows = Repository.add_actual_rows

    def parse(*args, **kw):
        up = real_parse(*args, **kw)
        if threading.current_thread().name == "planner-b":
            b_parsed.set()
        return up

    def upload_b() -> None:
        try:
            outcome["b"] = b.upload_actuals(wf, data, "w1_b.csv", by="b")
        except PlannerError as exc:
            outcome["b"] = exc
        except Exception as exc:  # a raw database error is exactly the bug
            outcome["b"] = exc

    def rows_then_wait(self, rows):
        real_rows(self, rows)
        if threading.current_thread().name == "planner-a" and "b" not in outcome:
            t = threading.Thread(target=upload_b, name="planner-b")
            outcome["thread"] = t
            t.start()
            assert b_parsed.wait(30), "planner B never parsed its file"
            time.sleep(0.8)  # B is now inside (or blocked at the start of) its write transaction

    monkeypatch.setattr(ingest, "parse_actuals", parse)
    monkeypatch.setattr(Repository, "add_actual_rows", rows_then_wait)

    def upload_a() -> None:
        outcome["a"] = a.upload_actuals(wf, data, "w1_a.csv", by="a")

    ta = threading.Thread(target=upload_a, name="planner-a")
    ta.start()
    ta.join(120)
    outcome["thread"].join(120)  # type: ignore[attr-defined]

    assert getattr(outcome["a"], "weeks_done", None) == 1, outcome
    err = outcome["b"]
    assert isinstance(err, WeekAlreadyStored), repr(err)
    assert err.week == 1
    assert "week 1" in err.messages[0] and "already stored" in err.messages[0] and "w1_a.csv" in err.messages[0]
    ups = [(u["week"], u["version"], u["status"], u["created_by"]) for u in a.uploads(wf)]
    assert ups == [(1, 1, "active", "a")]
    doc = a.status(wf)
    assert doc.state == "in_season" and doc.weeks_done == 1 and doc.running_step is None
    assert doc.weeks[0]["actual"] == sum(base_daily().values()) * 7
    assert [e.data["by"] for e in a.events(wf) if e.kind == "upload"] == ["a"]
    a.close()
    b.close()


def test_upload_refused_by_a_concurrent_change_of_another_kind_says_reload(db_url, monkeypatch):
    """B's upload of week 2 loses to A's week-1 upload that commits meanwhile: B is told to reload
    (ConcurrencyConflict, a PlannerError), not that week 2 is stored, and nothing of B's is kept."""
    from core.orchestrator.errors import ActionNotAllowed, ConcurrencyConflict

    a = new_service(db_url)
    wf = a.start_workflow(params(markdown_week=None), dataset_id=small_dataset(a)).workflow_id
    a.decide(wf, accept=True)
    a.upload_actuals(wf, actuals_csv(1, base_daily()), "w1.csv")
    b = new_service(db_url)
    real_parse = ingest.parse_actuals
    done = threading.Event()

    def parse(*args, **kw):
        up = real_parse(*args, **kw)
        if threading.current_thread().name == "planner-b" and not done.is_set():
            done.set()
            # A replaces week 1 between B's read and B's write.
            a.upload_actuals(wf, actuals_csv(1, base_daily(1.5)), "w1_fix.csv", replace=True, by="a")
        return up

    monkeypatch.setattr(ingest, "parse_actuals", parse)
    out: dict[str, object] = {}

    def upload_b() -> None:
        try:
            out["b"] = b.upload_actuals(wf, actuals_csv(2, base_daily()), "w2.csv", by="b")
        except Exception as exc:
            out["b"] = exc

    t = threading.Thread(target=upload_b, name="planner-b")
    t.start()
    t.join(120)
    assert isinstance(out["b"], (ConcurrencyConflict, ActionNotAllowed)), repr(out["b"])
    assert "reload" in " ".join(out["b"].messages)  # type: ignore[union-attr]
    assert [(u["week"], u["created_by"]) for u in a.uploads(wf) if u["status"] == "active"] == [(1, "a")]
    assert a.status(wf).weeks_done == 1
    a.close()
    b.close()
