"""AppTest of every page, against the real service on a real SQLite file with the built-in demo data."""

from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from core.demo import demo_actuals_bytes
from tests.ui.conftest import plain, texts
from ui.params_form import NAMES, show_value

CATEGORY = "Women's Dresses"
DEMO_PARAMS = {"category": CATEGORY, "season_start": "2026-02-23", "horizon_weeks": 12, "replenishment": "weekly",
               "dc_holdback": 0.45, "markdown_week": 6, "markdown_target": 0.6}


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; have {[b.label for b in at.button]}"
    return found[0]


def started(service, params: dict | None = None) -> str:
    demo = next(d for d in service.list_datasets() if d.source == "demo")
    return service.start_workflow(params or DEMO_PARAMS, dataset_id=demo.id).workflow_id


def open_page(at: AppTest, page: str, wf: str | None = None) -> AppTest:
    if wf:
        at.session_state["workflow_id"] = wf
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def actuals_file(week: int, scenario: str = "normal") -> tuple[str, bytes, str]:
    return (f"week_{week:02d}.csv", demo_actuals_bytes(scenario, week), "text/csv")


# ------------------------------------------------------------------ Plan
def test_plan_page_prefills_the_example_and_the_extracted_parameters(app: AppTest):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Plan a season"
    assert app.text_area(key="plan_text").value.startswith("I'm planning a 12-week spring fashion season")
    assert app.number_input(key="p_horizon_weeks").value == 12
    assert app.selectbox(key="p_replenishment").value == "none"
    # shares are shown and typed as percent
    assert app.number_input(key="p_dc_holdback").value == 0.0
    assert app.number_input(key="p_safety_stock").value == 25.0
    assert app.number_input(key="p_markdown_week").value == 6
    assert app.number_input(key="p_markdown_target").value == 60.0
    assert app.date_input(key="p_season_start").value == date(2026, 3, 1)
    assert any("starts on Monday 2026-02-23" in t for t in texts(app.info))
    [read] = [t for t in texts(app.success) if t.startswith("Read from the text")]
    assert "Markdown checkpoint week 6" in read and "week week" not in read
    assert "Season length 12 weeks" in read and "DC holdback 0%" in read
    # no browser-side bounds: an out-of-range entry must reach the model's check (see the next test)
    assert app.number_input(key="p_dc_holdback").max is None
    # the sidebar offers a new season and the demo data is there without a click
    assert app.sidebar.selectbox[0].value == "__new__"
    assert "Stores" in [m.label for m in app.metric] and app.metric[0].value == "50"


def test_plan_form_shows_the_error_at_the_field_and_blocks_start(app: AppTest):
    app.run()
    app.number_input(key="p_dc_holdback").set_value(50.0).run()
    errors = texts(app.error)
    # the message names the field as the form does, not by its identifier, in the form's percent
    assert any("DC holdback = 50% is not allowed with replenishment 'none'" in e for e in errors), errors
    assert button(app, "Start season").disabled
    app.number_input(key="p_dc_holdback").set_value(0.0)
    app.number_input(key="p_emergency_threshold").set_value(10.0).run()
    errors = texts(app.error)
    assert errors == ["- Emergency threshold = 10% must be greater than Re-forecast threshold = 20%"]
    assert any("Fix the fields marked in red" in c.value for c in app.main.caption)
    app.number_input(key="p_emergency_threshold").set_value(35.0).run()
    assert not app.error and not button(app, "Start season").disabled


def test_an_out_of_range_value_disables_start_instead_of_keeping_the_old_value(app: AppTest):
    # Typed 95% holdback: the browser used to refuse it silently (red box, old value kept, Start enabled).
    app.run()
    app.selectbox(key="p_replenishment").set_value("weekly")
    app.number_input(key="p_dc_holdback").set_value(95.0).run()
    assert texts(app.error) == ["- DC holdback = 95% is out of range: allowed 0%..90%"]
    assert button(app, "Start season").disabled
    app.number_input(key="p_dc_holdback").set_value(30.0).run()
    assert not app.error and not button(app, "Start season").disabled
    app.number_input(key="p_horizon_weeks").set_value(60).run()
    assert texts(app.error) == ["- Season length = 60 is out of range: allowed [1, 52]"]
    assert button(app, "Start season").disabled


def test_money_settings_are_validated_in_the_form(app: AppTest):
    app.run()
    app.number_input(key="p_unit_price").set_value(40.0)
    app.number_input(key="p_unit_cost").set_value(55.0).run()
    assert texts(app.error) == ["- Unit cost = 55 must not exceed Unit price = 40: allowed 0 up to the unit price"]
    assert button(app, "Start season").disabled
    app.number_input(key="p_unit_cost").set_value(18.0)
    app.text_input(key="p_currency").input("eur").run()
    assert not app.error and not button(app, "Start season").disabled


def test_reading_other_text_updates_the_form_and_flags_defaults(app: AppTest):
    app.run()
    app.text_area(key="plan_text").input("An 8-week Women's Dresses season from 2026-03-02 with bi-weekly "
                                         "replenishment and 30% DC holdback.")
    button(app, "Read parameters from the text").click().run()
    assert app.number_input(key="p_horizon_weeks").value == 8
    assert app.selectbox(key="p_replenishment").value == "bi-weekly"
    assert app.number_input(key="p_dc_holdback").value == pytest.approx(30.0)
    assert app.selectbox(key="p_category").value == CATEGORY
    assert any("Safety stock not found in the text" in w for w in texts(app.warning))
    [read] = texts(app.success)
    assert "Season length 8 weeks" in read and "DC holdback 30%" in read and "Replenishment bi-weekly" in read
    assert not any("names no category" in w for w in texts(app.warning))  # this text names it


def test_start_season_goes_to_the_order_approval(app: AppTest, service):
    app.run()
    app.selectbox(key="p_category").set_value(CATEGORY).run()
    button(app, "Start season").click().run()
    assert not app.exception
    assert app.title[0].value == "Approvals"
    [summary] = service.list_workflows()
    assert summary.state == "awaiting_order_approval"
    status = service.status(summary.workflow_id)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Proposed order"] == f"{status.pending['proposal']:,} units"
    assert metrics["Safety stock"] == "25%"
    assert any("Season started" in s for s in texts(app.success))
    assert app.session_state["workflow_id"] == summary.workflow_id


# ------------------------------------------------------------------ Approvals
def test_the_order_decision_shows_its_options(app: AppTest, service):
    wf = started(service)
    status = service.status(wf)
    open_page(app, "approvals", wf)
    assert not app.exception
    [table] = [d.value for d in app.dataframe if "order (units)" in d.value.columns]
    assert len(table) == len(status.pending.options)
    [proposed] = table[table[""].str.startswith("proposed")]["order (units)"].tolist()
    assert proposed == f"{int(status.pending.proposal):,}"


def test_accept_the_order_in_the_dialog(app: AppTest, service):
    wf = started(service)
    proposed = service.status(wf).pending["proposal"]
    open_page(app, "approvals", wf)
    button(app, "Accept").click().run()
    app.button(key="accept_confirm").click().run()
    assert not app.exception
    status = service.status(wf)
    assert status.state == "in_season" and status.order["approved"] == proposed
    assert any(f"Accepted: {proposed:,} units" in s for s in texts(app.success))
    table = app.dataframe[-1].value
    assert list(table["decision"]) == ["Accepted"] and list(table["by"]) == ["planner"]


def test_modify_the_order_needs_a_reason_then_applies_the_value(app: AppTest, service):
    wf = started(service)
    open_page(app, "approvals", wf)
    button(app, "Modify…").click().run()
    app.number_input(key="modify_value").set_value(150000)
    app.button(key="modify_confirm").click().run()
    assert "A reason is required when you change the proposal." in texts(app.error)
    assert service.status(wf).state == "awaiting_order_approval"  # nothing changed
    app.text_area(key="modify_reason").input("supplier minimum")
    app.text_input(key="modify_by").input("Ana")
    app.button(key="modify_confirm").click().run()
    assert not app.exception
    [approval] = service.approvals(wf)
    assert (approval.status, approval.decided, approval.reason, approval.decided_by) == \
        ("modified", 150000, "supplier minimum", "Ana")
    table = app.dataframe[-1].value
    assert list(table["decided"]) == ["150,000 units"] and list(table["reason"]) == ["supplier minimum"]


def test_a_decision_made_elsewhere_first_is_reported_not_applied_twice(app: AppTest, service):
    wf = started(service)
    open_page(app, "approvals", wf)
    button(app, "Accept").click().run()
    service.decide(wf, accept=False, value=1000, reason="other tab", by="Bo")  # the other tab wins
    app.button(key="accept_confirm").click().run()
    assert any("already decided elsewhere" in w for w in texts(app.warning)), texts(app.warning)
    [approval] = service.approvals(wf)
    assert approval.decided == 1000 and approval.decided_by == "Bo"


# ------------------------------------------------------------------ Forecast & Allocation
def test_forecast_page_shows_forecast_clusters_and_allocation(app: AppTest, service):
    wf = started(service)
    service.decide(wf, accept=True)
    status = service.status(wf)
    open_page(app, "forecast", wf)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Approved order"] == f"{status.order['approved']:,} units"
    assert metrics["Clusters"] == "3" and metrics["Stores"] == "50"
    assert metrics["Silhouette score"] == f"{status.silhouette:.2f}"
    assert metrics["Season total"] == f"{status.order['approved']:,} units"  # all stores shown
    allocation = app.dataframe(key=None) if False else [d for d in app.dataframe if "store_id" in d.value][0]
    assert len(allocation.value) == 50
    assert int(allocation.value["season_total"].sum()) == status.order["approved"]
    labels = [d.label for d in app.get("download_button")]
    assert labels == ["Download allocation (CSV)", "Download shipment list (CSV)"]
    # filter to one cluster: only its stores, totals follow
    first = status.clusters[0]
    app.multiselect(key="al_clusters").set_value([first["name"]]).run()
    allocation = [d for d in app.dataframe if "store_id" in d.value][0]
    assert len(allocation.value) == first["stores"]
    assert {m.label: m.value for m in app.metric}["Season total (shown stores)"] == f"{first['units']:,} units"


def test_forecast_page_shows_each_members_weight_and_backtest_error(app: AppTest, service):
    wf = started(service)
    forecast = service.status(wf).forecast.model_dump(mode="json")
    open_page(app, "forecast", wf)
    table = [d.value for d in app.dataframe if "weight" in d.value][0]
    # The demo's history holds the category's store series: the global member joins the two per-series ones.
    assert list(table["model"]) == ["mstl", "seasonal_avg", "global", "ensemble"]
    assert forecast["weights"] == {"mstl": 0.425, "seasonal_avg": 0.425, "global": 0.15}
    assert list(table["weight"])[2:] == ["15%", "100%"]
    for _, row in table.iterrows():
        figures = forecast["backtest"][row["model"]]
        assert row["backtest WAPE"] == f"{figures['wape'] * 100:.1f}%"
        assert row["backtest bias"] == f"{figures['bias'] * 100:+.1f}%"
    assert table["season total"].iloc[0] == f"{forecast['members']['mstl']:,.0f}"


def test_forecast_page_before_any_season(app: AppTest):
    open_page(app, "forecast")
    assert "No season selected" in texts(app.info)[0]


# ------------------------------------------------------------------ In-Season
def in_season(service) -> str:
    wf = started(service)
    service.decide(wf, accept=True)
    return wf


def test_upload_several_weeks_at_once_in_date_order(app: AppTest, service):
    wf = in_season(service)
    open_page(app, "in_season", wf)
    uploader = app.file_uploader[0]
    assert uploader.accept_multiple_files and uploader.allowed_type == [".csv"]
    uploader.set_value([actuals_file(2), actuals_file(1)]).run()  # dropped in the wrong order
    assert not app.exception
    status = service.status(wf)
    assert status.weeks_done == 2 and [w["week"] for w in status.weeks] == [1, 2]
    [stored] = [s for s in texts(app.success) if "stored" in s]
    lines = stored.splitlines()
    assert len(lines) == 2 and lines[0].startswith("- week_02.csv → week 2 stored: ")
    assert lines[1].startswith("- week_01.csv → week 1 stored: ")
    assert {m.label: m.value for m in app.metric}["Weeks received"] == "2 of 12"
    # a plain rerun submits nothing again
    app.run()
    assert service.status(wf).weeks_done == 2 and len(service.uploads(wf)) == 2


def test_week_already_stored_offers_replace(app: AppTest, service):
    wf = in_season(service)
    service.upload_actuals(wf, demo_actuals_bytes("normal", 1), "w1.csv")
    open_page(app, "in_season", wf)
    app.file_uploader[0].set_value([actuals_file(1, "high")]).run()
    assert any("week 1 is already stored" in w for w in texts(app.warning)), texts(app.warning)
    before = service.status(wf).weeks[0]["actual"]
    button(app, "Replace week 1").click().run()
    assert not app.exception
    after = service.status(wf).weeks[0]["actual"]
    assert after > before  # the high scenario replaced the normal week
    assert any("replaced the earlier upload" in s for s in texts(app.success))


def test_rejected_file_lists_every_problem_and_changes_nothing(app: AppTest, service):
    wf = in_season(service)
    version = service.status(wf).version
    open_page(app, "in_season", wf)
    bad = b"date,store_id,quantity_sold\n2026-02-23,S001,-3\n2026-02-24,NOPE,4\n2026-02-25,S002,abc\n"
    app.file_uploader[0].set_value(("bad.csv", bad, "text/csv")).run()
    [error] = texts(app.error)
    assert "bad.csv was rejected — nothing was stored" in error
    assert "row 2" in error and "row 3" in error and "row 4" in error
    assert "NOPE" in error
    assert service.status(wf).version == version and service.status(wf).weeks_done == 0


def test_missing_stores_are_zero_only_after_confirmation(app: AppTest, service):
    wf = in_season(service)
    lines = demo_actuals_bytes("normal", 1).decode().splitlines()
    partial = "\n".join([lines[0]] + [ln for ln in lines[1:] if ",S001," not in ln]).encode()
    open_page(app, "in_season", wf)
    app.file_uploader[0].set_value(("partial.csv", partial, "text/csv")).run()
    assert any("S001" in w for w in texts(app.warning)), texts(app.warning)
    assert service.status(wf).weeks_done == 0
    button(app, "Treat missing stores as zero").click().run()
    assert service.status(wf).weeks_done == 1
    assert any("missing stores counted as zero" in s for s in texts(app.success))


def test_in_season_charts_show_reforecast_and_replenishment(app: AppTest, service):
    wf = in_season(service)
    for week in range(1, 6):  # the normal scenario has a demand shock in week 5
        service.upload_actuals(wf, demo_actuals_bytes("normal", week), f"w{week}.csv")
    status = service.status(wf)
    open_page(app, "in_season", wf)
    charts = app.get("plotly_chart")
    assert len(charts) >= 2
    fig = json.loads(charts[0].proto.spec)
    names = [t.get("name") for t in fig["data"]]
    assert {"original forecast", "current plan", "actual", "80% interval"} <= set(names)
    if any(w["reforecast"] for w in status.weeks):
        assert "re-forecast triggered" in names
    variance = json.loads(charts[1].proto.spec)
    bars = next(t for t in variance["data"] if t.get("name") == "variance vs plan")
    assert [round(v, 6) for v in bars["y"]] == [round(w["variance"] * 100, 6) for w in status.weeks]
    app.selectbox(key="drill_store").set_value("S002").run()
    assert {m.label: m.value for m in app.metric}["Cluster"] == next(
        a["cluster"] for a in status.allocation if a["store_id"] == "S002")


# ------------------------------------------------------------------ Markdown, close, review
def test_markdown_accept_then_close_and_review(app: AppTest, service):
    wf = in_season(service)
    for week in range(1, 7):
        service.upload_actuals(wf, demo_actuals_bytes("low", week), f"w{week}.csv")
    status = service.status(wf)
    assert status.state == "awaiting_markdown_approval"
    open_page(app, "approvals", wf)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Proposed markdown"] == f"{status.pending['proposal'] * 100:.0f}% off"
    assert metrics["Target"] == "60%"
    button(app, "Accept").click().run()
    app.button(key="accept_confirm").click().run()
    assert service.status(wf).state == "in_season"
    open_page(app, "in_season", wf)
    app.checkbox(key="confirm_close").check().run()
    app.button(key="close_season").click().run()
    assert not app.exception
    assert service.status(wf).state == "closed"
    assert app.title[0].value == "Season Review"
    report = service.report(wf)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Sell-through"] == f"{report.sell_through * 100:.1f}%"
    assert metrics["Approvals accepted / modified"] == (
        f"{report.approvals['accepted']} / {report.approvals['modified']}"
    )
    advice = plain(next(m.value for m in app.markdown if m.value.startswith("- **")))
    assert len(advice.splitlines()) == len(report.tuning)
    first = report.tuning[0]
    assert advice.splitlines()[0].startswith(
        f"- **{NAMES[first.parameter]}**: {show_value(first.parameter, first.current)} → "
    )
    assert "_" not in advice.splitlines()[0].split(" — ")[0]  # names and values as the planner reads them
    assert len(app.get("plotly_chart")) == 2
    # AppTest keeps rerunning the page it last switched to, not one reached by st.switch_page: go there.
    open_page(app, "review", wf)
    button(app, "Start next season with these parameters").click().run()
    assert app.title[0].value == "Plan a season"
    assert app.number_input(key="p_safety_stock").value == pytest.approx(report.next_parameters["safety_stock"] * 100)
    assert app.session_state["workflow_id"] is None
    # The text box now describes the carried-over values, so reading it again keeps the tuning advice.
    nxt = report.next_parameters
    assert app.text_area(key="plan_text").value.startswith(f"Category {nxt['category']}; Season start ")
    open_page(app, "plan")  # as above: AppTest would otherwise rerun the review page
    button(app, "Read parameters from the text").click().run()
    assert app.number_input(key="p_markdown_week").value == nxt["markdown_week"]
    assert app.number_input(key="p_safety_stock").value == pytest.approx(nxt["safety_stock"] * 100)
    assert app.number_input(key="p_dc_holdback").value == pytest.approx(nxt["dc_holdback"] * 100)
    assert app.number_input(key="p_variance_threshold").value == pytest.approx(nxt["variance_threshold"] * 100)


def test_review_before_close_points_to_in_season(app: AppTest, service):
    wf = in_season(service)
    open_page(app, "review", wf)
    assert "The report is written when the season closes" in texts(app.info)[0]


# ------------------------------------------------------------------ Activity and sidebar
def test_activity_shows_phases_and_the_timeline(app: AppTest, service):
    wf = started(service)
    open_page(app, "activity", wf)
    phases = app.dataframe[0].value
    assert list(phases["status"])[:2] == ["done", "waiting"]
    assert "manufacturing order awaits approval" in list(phases["detail"])[1]
    timeline = app.dataframe[1].value
    assert len(timeline) == len(service.events(wf)) > 0
    assert len(app.get("plotly_chart")) == 1


def test_sidebar_shows_state_progress_and_pending_approval(app: AppTest, service):
    wf = started(service)
    app.query_params["wf"] = wf  # a reload with the season in the URL keeps it selected
    app.run()
    assert app.session_state["workflow_id"] == wf
    side = app.sidebar
    assert any("Awaiting order approval" in m.value for m in side.markdown)
    assert any("Manufacturing order awaiting approval" in w.value for w in side.warning)
    assert side.get("progress")[0].proto.text.startswith("Phases done: 1 of 6")


def test_a_week_that_arrives_before_its_predecessor_waits_and_is_processed_after_it(app: AppTest, service):
    wf = in_season(service)
    open_page(app, "in_season", wf)
    app.file_uploader[0].set_value([actuals_file(1), actuals_file(3)]).run()  # week 2 still uploading
    assert service.status(wf).weeks_done == 1
    [queued] = [t for t in texts(app.info) if "queued" in t]
    assert "week 2 is not in yet, so week 3 is queued" in queued
    assert [q.week for q in service.status(wf).queued_weeks] == [3]  # in the database, not in the tab
    app.file_uploader[0].upload(*actuals_file(2)).run()  # the late file arrives in its own batch
    assert service.status(wf).weeks_done == 3
    assert not app.warning and not app.error
    [stored] = [s for s in texts(app.success) if "stored" in s]
    assert [line.split(" stored")[0] for line in stored.splitlines()] == \
        ["- week_03.csv → week 3", "- week_02.csv → week 2", "- week_01.csv → week 1"]


def test_needs_attention_shows_the_error_and_retry_resumes(app: AppTest, db_url: str, service):
    from core.orchestrator.errors import TransientStepError
    from core.orchestrator.service import PlannerService

    def fail(step: str, args: dict) -> None:
        raise TransientStepError("database is locked (simulated)")

    failing = PlannerService(db_url, fault_hook=fail, sleep=lambda s: None, retry_delays=(0, 0, 0))
    demo = next(d for d in failing.list_datasets() if d.source == "demo")
    try:
        wf = failing.start_workflow(DEMO_PARAMS, dataset_id=demo.id).workflow_id
    except Exception:
        wf = failing.list_workflows()[0].workflow_id
    failing.close()
    assert service.status(wf).state == "needs_attention"
    open_page(app, "activity", wf)
    [error] = [e for e in texts(app.error) if "failed after 3 retries" in e]
    assert "database is locked (simulated)" in error
    button(app, "Retry").click().run()
    assert not app.exception
    assert service.status(wf).state == "awaiting_order_approval"
    assert any("Retried" in s for s in texts(app.success))


# ------------------------------------------------------------------ own data on the Plan page
def test_own_files_rejected_with_every_problem_and_nothing_stored(app: AppTest, service):
    before = len(service.list_datasets())
    app.run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    history = b"date,store_id,category,quantity_sold\n2025-13-01,S1,Dresses,4\n2025-01-02,S1,Dresses,-2\n"
    stores = b"store_id,avg_weekly_sales_12mo,region\nS1,10,Mars\n"
    app.file_uploader(key="up_history").set_value(("history.csv", history, "text/csv"))
    app.file_uploader(key="up_stores").set_value(("stores.csv", stores, "text/csv")).run()
    button(app, "Check and import").click().run()
    [error] = [e for e in texts(app.error) if "nothing was changed" in e]
    assert "history.csv, row 2, column 'date'" in error
    assert "history.csv, row 3, column 'quantity_sold'" in error
    assert "stores.csv, row 2, column 'region'" in error and "allowed Northeast, Southeast" in error
    assert len(service.list_datasets()) == before
    assert "No data set imported yet" in texts(app.info)[-1]


def test_own_files_imported_and_used_for_the_form(app: AppTest, service, tmp_path):
    from core.demo import write_demo_data

    write_demo_data(tmp_path / "demo")
    app.run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    history = (tmp_path / "demo" / "history.csv").read_bytes()
    # a different stores file than the demo (one store renamed in both files) makes it a new data set
    history = history.replace(b",S001,", b",X001,")
    stores = (tmp_path / "demo" / "stores.csv").read_bytes().replace(b"S001,", b"X001,")
    app.file_uploader(key="up_history").set_value(("my_history.csv", history, "text/csv"))
    app.file_uploader(key="up_stores").set_value(("my_stores.csv", stores, "text/csv"))
    app.text_input(key="up_label").input("Spring test data").run()
    button(app, "Check and import").click().run()
    assert not app.exception
    assert any("Imported 'Spring test data'" in s for s in texts(app.success)), texts(app.success)
    labels = [d.label for d in service.list_datasets()]
    assert "Spring test data" in labels
    assert app.selectbox[-1].value is not None  # the imported data set is the one selected
    # best-selling first
    assert app.selectbox(key="p_category").options == ["Women's Dresses", "Men's Shirts", "Accessories"]


def _their_files(tmp_path) -> tuple[bytes, bytes]:
    """The demo's files with the planner's own column names, and a stores file of store ids only."""
    from core.demo import write_demo_data

    write_demo_data(tmp_path / "demo")
    lines = (tmp_path / "demo" / "history.csv").read_bytes().split(b"\n")
    history = b"\n".join([b"Day,Shop,Dept,Units,Revenue", *lines[1:]])
    shops = [line.split(b",")[0] for line in (tmp_path / "demo" / "stores.csv").read_bytes().split(b"\n")[1:] if line]
    return history, b"\n".join([b"Shop", *shops]) + b"\n"


def test_own_files_with_their_column_names_are_matched_and_remembered(app: AppTest, service, tmp_path):
    history, stores = _their_files(tmp_path)
    app.run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    app.file_uploader(key="up_history").set_value(("their_history.csv", history, "text/csv"))
    app.file_uploader(key="up_stores").set_value(("their_stores.csv", stores, "text/csv")).run()
    picked = {sb.label: sb.value for sb in app.selectbox if sb.key and sb.key.startswith("map_history_")}
    assert picked["date (day or week)"] == "Day" and picked["store"] == "Shop" and picked["units sold"] == "Units"
    assert picked["category"] == "Dept"
    # "Units" was a guess; the planner corrects nothing here and imports
    button(app, "Check and import").click().run()
    assert not app.exception
    assert any("Imported" in s for s in texts(app.success)), texts(app.error)
    info = next(d for d in service.list_datasets() if d.source == "upload")
    assert info.column_map == {"date": "Day", "store_id": "Shop", "category": "Dept", "quantity_sold": "Units"}
    assert service.column_mapping("history", history)["remembered"] == info.column_map


def test_a_required_column_left_unmatched_blocks_the_import(app: AppTest, service, tmp_path):
    app.run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    app.file_uploader(key="up_history").set_value(("h.csv", b"when,where,what,how_many\n", "text/csv"))
    app.file_uploader(key="up_stores").set_value(("s.csv", b"store_id\nS1\n", "text/csv")).run()
    assert button(app, "Check and import").disabled
    assert any("Pick the column that holds: date (h.csv), store_id (h.csv)" in w for w in texts(app.warning))


def test_the_demo_week_files_are_offered_for_download(app: AppTest, service):
    import io
    import zipfile

    app.run()
    assert any("demo" in e.label.lower() for e in app.expander)
    name, data = service.demo_week_files("normal")
    assert name == "demo_weeks_normal.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist()[0] == "demo_normal/week_01.csv" and len(zf.namelist()) == 12


# ------------------------------------------------------------------ found by a first-time planner in the browser
def test_example_text_names_no_category_so_the_page_says_which_one_is_planned(app: AppTest):
    app.run()
    [note] = [w for w in texts(app.warning) if "names no category" in w]
    assert note.startswith(f"Your text names no category, so {CATEGORY} is planned")
    assert "Men's Shirts" in note and "Accessories" in note
    assert any(f"Plans **{CATEGORY}**" in plain(c.value) for c in app.caption)
    app.selectbox(key="p_category").set_value("Men's Shirts").run()
    assert not any("names no category" in w for w in texts(app.warning))  # the planner has chosen
    assert any("Plans **Men's Shirts**" in plain(c.value) for c in app.caption)


def test_a_file_dropped_while_the_markdown_waits_is_processed_after_the_decision(app: AppTest, service):
    wf = in_season(service)
    for week in range(1, 7):
        service.upload_actuals(wf, demo_actuals_bytes("low", week), f"w{week}.csv")
    assert service.status(wf).state == "awaiting_markdown_approval"
    open_page(app, "in_season", wf)
    assert any("Weekly uploads resume once you have decided" in w for w in texts(app.warning))
    app.file_uploader[0].set_value([actuals_file(7, "low")]).run()
    assert service.status(wf).weeks_done == 6  # held while the markdown waits
    [queued] = [t for t in texts(app.info) if "queued" in t]
    assert "the markdown awaits a decision, so week 7 is queued and applied right after it" in queued
    # the file is in the database, not in this browser tab: any tab, a restarted server, the CLI see it
    assert [(q.week, q.waiting_for) for q in service.status(wf).queued_weeks] == [(7, "the markdown decision")]
    service.decide(wf, accept=True)  # e.g. on the Approvals page: the markdown step, then the queued week 7
    assert service.status(wf).weeks_done == 7
    app.run()  # back on In-Season
    assert not app.exception
    assert service.status(wf).weeks_done == 7
    assert not any("not processed yet" in w for w in texts(app.warning))
    assert any("week 7 stored" in s for s in texts(app.success))
    assert any(
        "Next week to upload: **week 8**, Monday 2026-04-13 .. Sunday 2026-04-19" in plain(c.value) for c in app.caption
    )


def test_final_week_over_the_threshold_says_nothing_is_left_to_re_forecast(app: AppTest, service):
    # A 5-week season ends on the high scenario's +35% shock week: over the 20% threshold, but no weeks remain.
    wf = started(service, {**DEMO_PARAMS, "horizon_weeks": 5, "markdown_week": None})
    service.decide(wf, accept=True)
    for week in range(1, 5):
        service.upload_actuals(wf, actuals_file(week, "high")[1], actuals_file(week, "high")[0])
    open_page(app, "in_season", wf)
    app.file_uploader[0].set_value([actuals_file(5, "high")]).run()
    assert not app.exception
    row = service.status(wf).weeks[-1]
    assert row["week"] == 5 and row["variance"] > 0.2
    assert (row["reforecast"], row["above_threshold"]) == (False, True)
    [stored] = [s for s in texts(app.success) if "stored" in s]
    assert "variance over the threshold; no weeks left to re-forecast" in stored


# ------------------------------------------------------------------ decisions a planner can trust
def test_the_markdown_decision_shows_every_depth_with_money_and_the_trend(app: AppTest, service):
    wf = in_season(service)
    for week in range(1, 7):
        service.upload_actuals(wf, demo_actuals_bytes("low", week), f"w{week}.csv")
    status = service.status(wf)
    assert status.state == "awaiting_markdown_approval"
    options = status.pending.options
    assert [o.depth for o in options] == [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
    open_page(app, "approvals", wf)
    [table] = [d.value for d in app.dataframe if "projected sell-through" in d.value.columns]
    assert len(table) == 9 and "revenue (USD)" in table.columns and "margin on units sold (USD)" in table.columns
    assert "expected profit (USD)" in table.columns
    assert table.iloc[0]["projected sell-through"] == f"{options[0].sell_through * 100:.1f}%"
    assert table.iloc[-1]["left over (units)"] == f"{options[-1].leftover:,}"
    assert any(c.value.startswith("Trend: Season to date") for c in app.caption)


def test_the_losing_tab_of_an_order_decision_is_told_it_was_decided_elsewhere(app: AppTest, service):
    wf = started(service)
    open_page(app, "approvals", wf)  # this tab shows the pending order
    service.decide(wf, accept=True, by="Bo")  # another tab decides it first
    button(app, "Accept").click().run()
    assert not app.exception
    [told] = [w for w in texts(app.warning) if "decided elsewhere" in w]
    assert told.startswith("The manufacturing order was decided elsewhere by Bo (accepted:")
    app.run()  # said once, not on every rerun
    assert not any("decided elsewhere" in w for w in texts(app.warning))


def test_the_last_weeks_queue_ships_what_the_final_week_needs(app: AppTest, service):
    wf = in_season(service)
    for week in range(1, 12):
        service.upload_actuals(wf, demo_actuals_bytes("normal", week), f"w{week}.csv")
        if service.status(wf).state == "awaiting_markdown_approval":
            service.decide(wf, accept=True)
    status = service.status(wf)
    last = [line for line in status.replenishment if line.week == 11]
    plan_12 = status.forecast.weekly[11].plan
    safety = status.parameters["safety_stock"]
    assert len(last) == 50  # one line per store, shipping or not
    # never more than the final week's plan plus safety stock, whatever is left of the season allocation
    assert 0 < sum(line.qty for line in last) <= plan_12 * (1 + safety)
    open_page(app, "in_season", wf)
    [queue] = [d.value for d in app.dataframe if "weeks of cover" in d.value.columns]
    assert {"on hand", "weeks of cover", "why nothing ships"} <= set(queue.columns)
    assert queue["ship"].sum() == sum(line.qty for line in last)


def test_the_review_shows_money_in_the_currency_and_offers_the_workbook(app: AppTest, service):
    wf = in_season(service)
    for week in range(1, 4):
        service.upload_actuals(wf, demo_actuals_bytes("normal", week), f"w{week}.csv")
    service.close_season(wf)
    report = service.report(wf)
    open_page(app, "review", wf)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Revenue (USD)"] == f"{report.revenue:,.0f}"
    assert metrics["Profit (USD)"] == "—"  # no unit cost entered
    assert any("workflow runtime" in c.value and " s" in c.value for c in app.caption)
    assert [b for b in app.get("download_button") if "workbook" in str(b.proto.label).lower()]
