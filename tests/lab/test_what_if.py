"""The pending order's what-if: the proposal and safety stock -10, -5, +5, +10 points on the same seasons."""

from __future__ import annotations

from core.lab.runner import InlineExecutor
from core.lab.service import order_what_if, workflow_alternatives
from tests.orchestrator.conftest import params
from tests.orchestrator.helpers import new_service, small_dataset


def test_alternatives_clip_and_skip_duplicates() -> None:
    alts = workflow_alternatives({"parameters": {"safety_stock": 0.05}})
    assert [n for n, _ in alts] == ["safety -10 pts", "safety +5 pts", "safety +10 pts"]  # -5 clips to 0 too
    assert [d["safety_stock"] for _, d in alts] == [0.0, 0.1, 0.15]
    assert workflow_alternatives({"parameters": {"safety_stock": 1.0}}, (0.05,)) == []  # 100% is the most


def test_order_what_if_on_a_pending_order(db_url: str) -> None:
    svc = new_service(db_url)
    try:
        wf = svc.start_workflow(params(unit_cost=20.0), dataset_id=small_dataset(svc)).workflow_id
        doc = order_what_if(svc, wf, paths=12, executor=InlineExecutor())
        proposed = svc.status(wf).model_dump(mode="json")["order"]["proposed"]
    finally:
        svc.close()
    names = [s["name"] for s in doc["sets"]]
    assert names == ["proposed (expected profit)", "safety stock 10%", "safety stock 15%", "safety stock 20%",
                     "safety stock 25%", "safety stock 30%"]
    orders = [s["order"] for s in doc["sets"]]
    assert orders[0] == proposed and orders[1] < orders[2] < orders[3] < orders[4] < orders[5]
    for s in doc["sets"]:
        assert s["paths"] == 12 and s["metrics"]["margin"] is not None and s["metrics"]["profit"] is not None
    assert doc["demand"]["source"] == "monte-carlo"
