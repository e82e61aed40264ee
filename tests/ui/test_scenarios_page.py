"""AppTest of the Scenarios page: saved comparisons side by side, best marked, and its two actions."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from core.lab.runner import DemandSpec, InlineExecutor
from core.lab.service import dataset_comparison
from tests.ui.conftest import texts
from tests.ui.test_pages import DEMO_PARAMS, button, open_page, started


def stored_comparison(service, wf: str) -> tuple[int, dict]:
    status = service.status(wf).model_dump(mode="json")
    rows = [{**DEMO_PARAMS, "name": "as planned"},
            {**DEMO_PARAMS, "name": "lean", "safety_stock": 0.05, "unit_cost": 20.0}]
    doc, inputs = dataset_comparison(service, status["dataset_id"], rows, DemandSpec("monte-carlo", paths=4, seed=2),
                                     executor=InlineExecutor())
    inputs["workflow_id"] = wf
    return service.save_comparison(doc, inputs, label="as planned, lean", workflow_id=wf), doc


def test_no_comparisons_yet(app: AppTest) -> None:
    open_page(app, "scenarios")
    assert app.title[0].value == "Scenarios"
    assert any("No comparisons yet" in t for t in texts(app.info))


def test_saved_comparison_side_by_side_and_modify_the_pending_order(app: AppTest, service) -> None:
    wf = started(service)
    cid, doc = stored_comparison(service, wf)
    open_page(app, "scenarios", wf)
    [table] = [d.value for d in app.dataframe if "Order (units)" in d.value.index]
    assert list(table.columns) == ["as planned", "lean"]
    assert table.loc["Order (units)", "lean"] == f"{doc['sets'][1]['order']:,}"
    assert table.loc["Margin on units sold", "as planned"] == "n/a"  # no unit cost for that set
    assert table.loc["Profit", "as planned"] == "n/a"
    [best_lost] = doc["best"]["lost_sales"]
    other = "lean" if best_lost == "as planned" else "as planned"
    assert table.loc["Lost sales (units)", best_lost].startswith("★")
    assert not table.loc["Lost sales (units)", other].startswith("★")
    assert len(app.get("plotly_chart")) == 2
    app.selectbox(key="lab_action_set").set_value("lean").run()
    lean = doc["sets"][1]["order"]
    button(app, f"Use {lean:,} units as Modify").click().run()
    status = service.status(wf)
    order = status.order if isinstance(status.order, dict) else status.order.model_dump()
    assert order["approved"] == lean


def test_start_a_season_with_a_set(app: AppTest, service) -> None:
    wf = started(service)
    stored_comparison(service, wf)
    open_page(app, "scenarios", wf)
    app.selectbox(key="lab_action_set").set_value("lean").run()
    before = {w.workflow_id for w in service.list_workflows()}
    button(app, "Start a season with this set").click().run()
    new = [w for w in service.list_workflows() if w.workflow_id not in before]
    assert len(new) == 1
    params = service.status(new[0].workflow_id).parameters
    params = params if isinstance(params, dict) else params.model_dump()
    assert params["safety_stock"] == 0.05


@pytest.mark.slow
def test_run_a_new_comparison_from_the_page(app: AppTest, service) -> None:
    wf = started(service)
    open_page(app, "scenarios", wf)
    [paths] = [n for n in app.number_input if n.label == "Seasons to simulate"]
    paths.set_value(300).run()
    button(app, "Run comparison").click().run()
    assert not app.exception, [e.value for e in app.exception]
    # The click returns at once and the comparison runs on in the background (it ran inside the page's
    # script before, and leaving the page stopped it): the planner leaves the page while it runs.
    assert not service.list_comparisons(workflow_id=wf)
    assert any("runs on if you leave this page" in (p.text or "") for p in app.get("progress"))
    open_page(app, "forecast")
    deadline = time.monotonic() + 240
    while not service.list_comparisons(workflow_id=wf) and time.monotonic() < deadline:
        time.sleep(0.5)
    open_page(app, "scenarios")  # the page shows the finished job's outcome once
    assert not app.exception, [e.value for e in app.exception]
    [stored] = service.list_comparisons(workflow_id=wf)
    assert stored.sets == ["current", "less safety stock", "more safety stock", "lower holdback"]
    assert any(f"Comparison #{stored.id} stored." in t for t in texts(app.success))
    [table] = [d.value for d in app.dataframe if "Order (units)" in d.value.index]
    assert list(table.columns) == stored.sets


def test_pending_order_shows_its_what_if(app: AppTest, service, monkeypatch) -> None:
    import time

    from ui import lab

    monkeypatch.setattr("core.lab.service.WHAT_IF_PATHS", 6)
    wf = started(service, {**DEMO_PARAMS, "unit_cost": 20.0})
    open_page(app, "approvals", wf)
    status = service.status(wf).model_dump(mode="json")
    job = lab.what_if_job(service, wf, int(status["version"]))
    deadline = time.monotonic() + 240
    while not job.done() and time.monotonic() < deadline:
        time.sleep(1)
    assert job.done() and job.exception() is None, job.exception()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    [table] = [d.value for d in app.dataframe if "Expected lost sales" in d.value.columns]
    # The profit proposal beside the safety-stock orders around the current safety stock.
    assert list(table.index) == ["proposed (expected profit)", "safety stock 10%", "safety stock 15%",
                                 "safety stock 20%", "safety stock 25%", "safety stock 30%"]
    assert table.loc["proposed (expected profit)", "Order (units)"] == f"{status['order']['proposed']:,}"
    assert all(v != "n/a (no unit cost)" for v in table["Expected profit"])


def test_a_comparison_run_on_this_machine_says_so(app: AppTest, service) -> None:
    """A comparison whose parts no worker took carries the note, and the page shows it."""
    wf = started(service)
    status = service.status(wf).model_dump(mode="json")
    rows = [{**DEMO_PARAMS, "name": "as planned"}, {**DEMO_PARAMS, "name": "lean", "safety_stock": 0.05}]
    doc, inputs = dataset_comparison(service, status["dataset_id"], rows, DemandSpec("monte-carlo", paths=2, seed=2),
                                     executor=InlineExecutor())
    doc["notes"] = ["ran on this machine: no worker answered on the broker"]
    cid = service.save_comparison(doc, inputs, label="noted", workflow_id=wf)
    assert service.get_comparison(cid).results["notes"] == doc["notes"]
    open_page(app, "scenarios", wf)
    assert any("Ran on this machine: no worker answered" in t for t in texts(app.info))
