"""Several planners acting on one workflow at the same moment, each in its own process.

Exactly one decision is applied and the others are told it was already decided; no week is stored
twice; every action that reported success is in the database (no lost update); workflow versions
seen by successful actions are distinct and the final version is the largest. SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest

from tests.reliability import data, figures

N = 8
CTX = mp.get_context("fork")  # children inherit the imports: the race starts within milliseconds


def _worker(url: str, action: str, kwargs: dict[str, Any], barrier: Any, out: Any) -> None:
    from core.domain.errors import PlannerError
    from core.orchestrator.service import PlannerService

    try:
        svc = PlannerService(url, retry_delays=(0.05, 0.1, 0.2))
        barrier.wait(30)
        try:
            doc = getattr(svc, action)(**kwargs)
            out.put(("ok", kwargs.get("by"), doc.version, doc.state, None))
        except PlannerError as exc:
            out.put(("refused", kwargs.get("by"), None, type(exc).__name__, "; ".join(exc.messages)))
        finally:
            svc.close()
    except BaseException as exc:  # anything else is a failure of the product: report it to the test
        import traceback

        out.put(("crash", kwargs.get("by"), None, type(exc).__name__, traceback.format_exc()))


def _race(url: str, calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[Any, ...]]:
    barrier = CTX.Barrier(len(calls))
    out = CTX.Queue()
    procs = [CTX.Process(target=_worker, args=(url, action, kw, barrier, out)) for action, kw in calls]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(60)
    figures.add("concurrent operations", len(calls))
    crashes = [r for r in results if r[0] == "crash"]
    assert not crashes, crashes[0][4]
    return results


@pytest.fixture
def started(service: Any, dataset_id: int) -> str:
    wf = service.start_workflow(data.params(), dataset_id=dataset_id).workflow_id
    service.close()  # no pooled connection may cross the fork
    return wf


def test_concurrent_decisions_apply_exactly_one(db_url: str, service: Any, started: str) -> None:
    wf = started
    proposed = service.status(wf).pending["proposal"]
    service.close()
    calls = []
    for i in range(N):
        if i % 2:
            calls.append(("decide", {"workflow_id": wf, "accept": True, "by": f"planner-{i}"}))
        else:
            calls.append(("decide", {"workflow_id": wf, "accept": False, "value": float(proposed + 10 * (i + 1)),
                                     "reason": f"tab {i}", "by": f"planner-{i}"}))
    results = _race(db_url, calls)
    winners = [r for r in results if r[0] == "ok"]
    losers = [r for r in results if r[0] == "refused"]
    assert len(winners) == 1, results
    assert len(losers) == N - 1
    assert all(r[3] == "AlreadyDecided" and "already decided" in r[4] for r in losers), losers
    winner = winners[0][1]

    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    try:
        approvals = [a for a in svc.approvals(wf) if a.kind == "order"]
        assert len(approvals) == 1 and approvals[0].decided_by == winner
        status = svc.status(wf)
        assert status.state == "in_season"
        i = int(winner.split("-")[1])
        expected = proposed if i % 2 else proposed + 10 * (i + 1)
        assert status.order["approved"] == expected
        assert sum(a["season_total"] for a in status.allocation) == expected
        decided_events = [e for e in svc.events(wf) if e.kind == "approval_decided"]
        assert len(decided_events) == 1 and decided_events[0].data["by"] == winner
    finally:
        svc.close()


def test_concurrent_uploads_store_each_week_once_and_lose_nothing(db_url: str, service: Any, dataset_id: int,
                                                                  request: pytest.FixtureRequest) -> None:
    wf = service.decide(service.start_workflow(data.params(markdown_week=None), dataset_id=dataset_id).workflow_id,
                        accept=True).workflow_id
    service.close()
    week1, week2 = data.actuals_csv(1, daily=6), data.actuals_csv(2, daily=7)
    calls = [("upload_actuals", {"workflow_id": wf, "data": week1, "filename": f"w1_p{i}.csv", "by": f"p{i}"})
             for i in range(4)]
    calls += [("upload_actuals", {"workflow_id": wf, "data": week1, "filename": f"w1r_p{i}.csv", "replace": True,
                                  "by": f"p{i}"}) for i in range(4, 6)]
    calls += [("upload_actuals", {"workflow_id": wf, "data": week2, "filename": f"w2_p{i}.csv", "by": f"p{i}"})
              for i in range(6, N)]
    results = _race(db_url, calls)
    ok = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "refused"]
    assert ok, results
    allowed_refusals = {"WeekAlreadyStored", "ConcurrencyConflict", "ActionNotAllowed", "AlreadyDecided"}
    assert all(r[3] in allowed_refusals for r in refused), refused
    versions = [r[2] for r in ok]
    assert len(versions) == len(set(versions)), f"two successful actions saw the same version: {results}"

    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    try:
        status = svc.status(wf)
        uploads = svc.uploads(wf)
        # No lost update: every upload that reported success is stored, every refused one is not.
        assert sorted(u["created_by"] for u in uploads) == sorted(r[1] for r in ok)
        active = sorted(u["week"] for u in uploads if u["status"] == "active")
        assert active == list(range(1, len(active) + 1)), f"a week stored twice or out of order: {active}"
        for week in set(active):
            vs = [u["version"] for u in uploads if u["week"] == week]
            assert vs == sorted(set(vs)), f"week {week} versions not strictly increasing: {vs}"
        assert status.state == "in_season", status.last_error
        assert status.running_step is None
        assert status.weeks_done == len(active)
        assert status.version >= max(versions)
        assert [w["actual"] for w in status.weeks] == [(6 + k) * 7 * len(data.STORES) for k in range(len(active))]
    finally:
        svc.close()


def test_upload_while_another_process_is_still_processing_the_previous_week(db_url: str, tmp_path: Any) -> None:
    """Planner A's week-1 step is still running (held inside the step) when planner B, in another
    process, uploads week 2. Whatever B is told, A's week 1 must not be lost and the workflow must
    not end up needing attention: both weeks processed, or B refused with a reason."""
    import threading

    from core.domain.errors import PlannerError
    from core.orchestrator.service import PlannerService
    from tests.reliability import cli

    entered, release = threading.Event(), threading.Event()

    def hold(step: str, args: dict[str, Any]) -> None:
        if step == "week" and int(args.get("from_week", 0)) == 1 and not release.is_set():
            entered.set()
            release.wait(120)

    a = PlannerService(db_url, fault_hook=hold)
    ds = a.import_dataset(history=data.history_csv(), history_name="h.csv", stores=data.stores_csv(),
                          stores_name="s.csv")
    wf = a.decide(a.start_workflow(data.params(markdown_week=None), dataset_id=ds.id).workflow_id,
                  accept=True).workflow_id
    outcome: dict[str, Any] = {}

    def upload_a() -> None:
        try:
            outcome["a"] = a.upload_actuals(wf, data.actuals_csv(1, daily=6), "week_01.csv", by="A")
        except PlannerError as exc:
            outcome["a_error"] = exc

    t = threading.Thread(target=upload_a)
    t.start()
    try:
        assert entered.wait(60), "planner A never reached its week step"
        f = cli.write(tmp_path / "week_02.csv", data.actuals_csv(2, daily=7))
        b = cli.run(db_url, "actuals", wf, str(f), "--json")
        figures.add("concurrent operations", 2)
    finally:
        release.set()
        t.join(120)
        a.close()
    assert "Traceback" not in b.stderr
    svc = PlannerService(db_url)
    try:
        status = svc.status(wf)
        uploads = svc.uploads(wf)
    finally:
        svc.close()
    assert any(u["created_by"] == "A" and u["week"] == 1 for u in uploads), "planner A's week 1 was lost"
    assert status.state != "needs_attention", f"B (exit {b.returncode}: {b.stderr.strip()}) broke the workflow: " \
                                              f"{status.last_error}"
    if b.returncode == 0:
        assert status.weeks_done == 2 and [w["actual"] for w in status.weeks] == [6 * 28, 7 * 28]
    else:
        assert b.returncode == 2 and status.weeks_done == 1
