"""Faults a planner hit walking through three seasons in the browser, each pinned by an AppTest."""

from __future__ import annotations

import time
from datetime import date

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import texts
from tests.ui.test_pages import DEMO_PARAMS, button, open_page, started


def test_the_plan_form_keeps_its_values_after_visiting_another_page(app: AppTest) -> None:
    app.run()
    app.number_input(key="p_dc_holdback").set_value(30.0).run()
    app.number_input(key="p_horizon_weeks").set_value(10).run()
    open_page(app, "scenarios")
    open_page(app, "plan")
    assert app.number_input(key="p_dc_holdback").value == 30.0
    assert app.number_input(key="p_horizon_weeks").value == 10
    assert app.date_input(key="p_season_start").value == date(2026, 3, 1)


def test_the_plan_form_keeps_its_values_through_check_and_import(app: AppTest, tmp_path) -> None:
    from tests.ui.test_pages import _their_files

    app.run()
    app.number_input(key="p_safety_stock").set_value(15.0).run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    history, stores = _their_files(tmp_path)
    app.file_uploader(key="up_history").set_value(("h.csv", history, "text/csv"))
    app.file_uploader(key="up_stores").set_value(("s.csv", stores, "text/csv")).run()
    button(app, "Check and import").click().run()
    assert not app.exception
    assert app.number_input(key="p_safety_stock").value == 15.0
    assert app.date_input(key="p_season_start").value == date(2026, 3, 1)
    assert app.number_input(key="p_horizon_weeks").value == 12


def test_the_plan_preview_follows_a_saturday_week_data_set(app: AppTest, service) -> None:
    from tests.orchestrator.conftest import history_csv, stores_csv

    info = service.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(),
                                  stores_name="s.csv", week_start="saturday", label="Saturday weeks")
    app.run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    assert info.week_start == "saturday"
    app.date_input(key="p_season_start").set_value(date(2025, 3, 3)).run()
    preview = [c for c in texts(app.caption) if c.startswith("Plans ")]
    assert preview and "2025-03-01" in preview[0] and "Saturday..Friday" in preview[0], preview
    assert any("weeks run Saturday..Friday, so the season starts on Saturday 2025-03-01" in t for t in texts(app.info))


def test_start_a_season_with_a_replayed_set_starts_the_next_season_not_the_past_one(app: AppTest, service) -> None:
    from core.lab.runner import DemandSpec, InlineExecutor
    from core.lab.service import dataset_comparison

    wf = started(service)
    status = service.status(wf).model_dump(mode="json")
    history_end = service.dataset(status["dataset_id"]).history_end
    past = {**DEMO_PARAMS, "season_start": "2025-02-24"}
    rows = [{**past, "name": "as planned"}, {**past, "name": "lean", "safety_stock": 0.05}]
    doc, inputs = dataset_comparison(service, status["dataset_id"], rows,
                                     DemandSpec("replay", starts=[date(2025, 2, 24)], seed=0),
                                     executor=InlineExecutor())
    service.save_comparison(doc, inputs, label="replay", workflow_id=wf)
    open_page(app, "scenarios", wf)
    app.selectbox(key="lab_action_set").set_value("lean").run()
    before = {w.workflow_id for w in service.list_workflows()}
    button(app, "Start a season with this set").click().run()
    [new] = [w.workflow_id for w in service.list_workflows() if w.workflow_id not in before]
    start = date.fromisoformat(str(service.status(new).parameters["season_start"])[:10])
    assert start > history_end and start.weekday() == 0 and (start - date(2025, 2, 24)).days % 364 == 0


def test_start_next_season_opens_the_seasons_own_data_set(app: AppTest, service) -> None:
    from tests.orchestrator.conftest import history_csv, params, stores_csv

    own = service.import_dataset(history=history_csv(), history_name="h.csv", stores=stores_csv(),
                                 stores_name="s.csv", label="My spring data")
    wf = service.start_workflow(params(), dataset_id=own.id).workflow_id
    service.decide(wf, accept=True)
    service.close_season(wf)
    open_page(app, "review", wf)
    button(app, "Start next season with these parameters").click().run()
    assert not app.exception
    assert app.radio(key="data_mode").value == "My own files (history + stores CSV)"
    assert app.selectbox(key="p_category").options == own.categories
    assert [c for c in texts(app.caption) if "My spring data" in c]


def test_upload_messages_of_one_season_do_not_appear_in_the_next(app: AppTest, service) -> None:
    from tests.ui.test_pages import actuals_file, in_season

    first = in_season(service)
    open_page(app, "in_season", first)
    app.file_uploader[0].set_value([actuals_file(1)]).run()
    assert any("week_01.csv → week 1 stored" in s for s in texts(app.success))
    second = in_season(service)
    open_page(app, "in_season", second)
    assert not any("week_01.csv" in s for s in texts(app.success) + texts(app.warning) + texts(app.error))
    assert service.status(second).weeks_done == 0  # the first season's file was not dropped on the second
    open_page(app, "in_season", first)
    assert any("week_01.csv → week 1 stored" in s for s in texts(app.success))


def test_the_allocation_tab_has_one_dc_figure_and_its_parts_add_up(app: AppTest, service) -> None:
    from core.demo import demo_actuals_bytes
    from tests.ui.test_pages import in_season

    wf = in_season(service)
    for week in (1, 2):
        service.upload_actuals(wf, demo_actuals_bytes("high", week), f"w{week}.csv")
    status = service.status(wf)
    open_page(app, "forecast", wf)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["At the DC now"] == f"{status.dc_on_hand:,} units"
    assert metrics["Still to ship from the DC"] == metrics["At the DC now"]
    [table] = [d.value for d in app.dataframe if "still_to_ship" in d.value.columns]
    parts = table["initial"] + table["replenished"] + table["still_to_ship"]
    assert (parts == table["season_total"]).all()


def test_the_markdown_slider_moves_in_the_rules_steps_and_previews_the_depth(app: AppTest, service) -> None:
    from core.demo import demo_actuals_bytes
    from tests.ui.test_pages import in_season

    wf = in_season(service)
    for week in range(1, 7):
        service.upload_actuals(wf, demo_actuals_bytes("low", week), f"w{week}.csv")
    status = service.status(wf)
    assert status.state == "awaiting_markdown_approval"
    open_page(app, "approvals", wf)
    button(app, "Modify…").click().run()
    slider = app.slider(key="modify_value_pct")
    assert slider.step == 5
    slider.set_value(20).run()
    option = next(o for o in status.pending.options if abs(o.depth - 0.2) < 1e-9)
    assert any(c.startswith("At 20% off: projected sell-through") and f"{option.leftover:,} units left over" in c
               for c in texts(app.caption)), texts(app.caption)


def test_the_order_caption_gives_the_proposed_order_back(app: AppTest, service) -> None:
    import math
    import re

    wf = started(service, {**DEMO_PARAMS, "safety_stock": 0.25})  # the safety-stock order policy
    status = service.status(wf)
    open_page(app, "approvals", wf)
    [caption] = [c for c in texts(app.caption) if c.startswith("Order = ceil")]
    operand, factor = re.search(r"ceil\(([\d,.]+) x ([\d.]+)\) =", caption).groups()
    assert math.ceil(round(float(operand.replace(",", "")) * float(factor), 6)) == status.order["proposed"]


def test_season_picker_labels_never_repeat() -> None:
    from datetime import datetime, timezone

    from ui.sidebar import distinct_labels

    when = datetime(2026, 12, 6, 6, 41, tzinfo=timezone.utc)
    same = {"category": "Women's Dresses", "season_start": "2026-02-23", "horizon_weeks": 12, "created_at": when}
    summaries = [{**same, "workflow_id": "wf-abc12a"}, {**same, "workflow_id": "wf-abc12b"},
                 {**same, "workflow_id": "wf-xyz999", "horizon_weeks": 10}]
    labels = distinct_labels(summaries)
    assert len(set(labels.values())) == 3
    assert labels["wf-abc12a"].startswith("Women's Dresses · 2026-02-23 · 12 wks · started Dec 06 06:41 (#1)")
    assert labels["wf-abc12a"].endswith("[wf-abc12a]") and "(#" not in labels["wf-xyz999"]


def test_unit_tables_carry_thousands_separators() -> None:
    import pandas as pd

    from ui.format import unit_columns

    frame = pd.DataFrame({"week": [1], "store": ["S1"], "qty": [12345], "on hand": [2345.0], "partial": [True]})
    config = unit_columns(frame)
    assert set(config) == {"qty", "on hand"}
    assert all(c["type_config"]["format"] == "localized" for c in config.values())


def test_season_review_of_a_zero_forecast_season_is_not_blank(app: AppTest, db_url: str) -> None:
    from tests.cli.test_attack_faults import zero_forecast_closed_season

    wf = zero_forecast_closed_season(db_url)
    open_page(app, "review", wf)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Overstock"] == "10 units" and metrics["Sell-through"] == "0.0%"


def test_weekly_rows_counted_in_another_week_start_are_said_on_the_plan_page(app: AppTest, service) -> None:
    from datetime import timedelta

    from tests.orchestrator.conftest import history_csv, stores_csv

    lines = history_csv().decode().splitlines()
    sundays = [lines[0]] + [f"{date.fromisoformat(x.split(',')[0]) + timedelta(days=6)},{x.split(',', 1)[1]}"
                            for x in lines[1:]]
    info = service.import_dataset(history=("\n".join(sundays) + "\n").encode(), history_name="sun.csv",
                                  stores=stores_csv(), stores_name="s.csv", week_start="monday")
    assert info.week_start == "monday"
    app.run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    assert any("weekly rows are dated on Sunday, not Monday; each row was counted in the Monday..Sunday week" in t
               for t in texts(app.info)), texts(app.info)


def test_in_season_offers_the_demo_week_files_on_a_demo_season(app: AppTest, service) -> None:
    from tests.ui.test_pages import in_season

    wf = in_season(service)
    open_page(app, "in_season", wf)
    assert any(e.label == "The demo's weekly sales files" for e in app.expander)


def test_the_scenarios_table_names_its_columns_in_plain_words() -> None:
    import ast
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "pages" / "scenarios.py").read_text()
    assert "column_config={c: st.column_config.Column(SET_LABELS.get(c, c))" in source
    tree = ast.parse(source)
    values = {t.id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
              for t in n.targets if isinstance(t, ast.Name) and t.id in ("EDITABLE", "SET_LABELS")}
    assert set(values["EDITABLE"]) <= set(values["SET_LABELS"])
    assert all("_" not in label for label in values["SET_LABELS"].values())


def test_a_replay_from_the_scenarios_page_runs_on_a_saturday_week_data_set(app: AppTest, service) -> None:
    """Attack round (also the page): every replay start was moved to a Monday, so Saturday weeks failed."""
    from datetime import timedelta

    from tests.orchestrator.conftest import history_csv, params, stores_csv

    lines = history_csv().decode().splitlines()
    saturdays = [lines[0]] + [f"{date.fromisoformat(x.split(',')[0]) + timedelta(days=5)},{x.split(',', 1)[1]}"
                              for x in lines[1:]]
    info = service.import_dataset(history=("\n".join(saturdays) + "\n").encode(), history_name="sat.csv",
                                  stores=stores_csv(), stores_name="s.csv")
    assert info.week_start == "saturday"
    wf = service.start_workflow(params(season_start="2025-03-01"), dataset_id=info.id).workflow_id
    open_page(app, "scenarios", wf)
    app.radio[0].set_value("Past seasons (replay)").run()
    app.date_input[0].set_value(date(2024, 3, 5)).run()
    button(app, "Run comparison").click().run()
    assert not app.exception, [e.value for e in app.exception]
    deadline = time.monotonic() + 240  # the comparison runs in the background (ui/lab_jobs.py)
    while not service.list_comparisons(workflow_id=wf) and time.monotonic() < deadline:
        time.sleep(0.5)
    [stored] = service.list_comparisons(workflow_id=wf)
    assert stored.sets[0] == "current"
