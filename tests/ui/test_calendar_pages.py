"""The retailer's own weeks on the pages: week start at import, partial weeks, fiscal labels."""

from __future__ import annotations

import io

import pandas as pd
from streamlit.testing.v1 import AppTest

from core.demo import demo_actuals_bytes
from tests.ui.conftest import plain, texts
from tests.ui.test_pages import button, in_season, open_page


def _saturday_weekly(history: bytes) -> bytes:
    daily = pd.read_csv(io.BytesIO(history), parse_dates=["date"])
    daily["date"] = daily["date"] - pd.to_timedelta((daily["date"].dt.weekday - 5) % 7, unit="D")
    weekly = daily.groupby(["date", "store_id", "category"], as_index=False)[["quantity_sold", "revenue"]].sum()
    weekly["date"] = weekly["date"].dt.strftime("%Y-%m-%d")
    return weekly.to_csv(index=False).encode()


def test_plan_page_imports_saturday_weeks_detected_from_the_dates(app: AppTest, service, tmp_path):
    from core.demo import write_demo_data

    write_demo_data(tmp_path / "demo")
    app.run()
    app.radio(key="data_mode").set_value("My own files (history + stores CSV)").run()
    assert app.selectbox(key="up_week_start").value == "Detect from the history"
    history = _saturday_weekly((tmp_path / "demo" / "history.csv").read_bytes())
    app.file_uploader(key="up_history").set_value(("weekly.csv", history, "text/csv"))
    app.file_uploader(key="up_stores").set_value(("stores.csv", (tmp_path / "demo" / "stores.csv").read_bytes(),
                                                  "text/csv")).run()
    button(app, "Check and import").click().run()
    assert not app.exception
    assert any("weeks run Saturday..Friday (detected from its weekly dates)" in s
               for s in texts(app.success)), (texts(app.success), texts(app.error))
    own = [d for d in service.list_datasets() if d.source == "upload"]
    assert [(d.week_start, d.detected_week_start) for d in own] == [("saturday", "saturday")]
    assert any("weeks run Saturday..Friday" in plain(c.value) for c in app.caption)


def test_in_season_offers_to_confirm_a_partial_week(app: AppTest, service):
    wf = in_season(service)
    frame = pd.read_csv(io.BytesIO(demo_actuals_bytes("normal", 1)))
    days = sorted(frame["date"].unique())
    partial = frame[frame["date"].isin(days[:3])].to_csv(index=False).encode()  # Monday .. Wednesday
    open_page(app, "in_season", wf)
    app.file_uploader[0].set_value(("mon_wed.csv", partial, "text/csv")).run()
    assert not app.exception
    [warning] = [w for w in texts(app.warning) if "not complete" in w]
    assert "Thursday 2026-02-26" in warning and "Sunday 2026-03-01" in warning
    assert service.status(wf).weeks_done == 0
    button(app, "Confirm as partial week").click().run()
    assert not app.exception
    status = service.status(wf)
    assert status.weeks_done == 1
    assert any("partial week" in s for s in texts(app.success)), (texts(app.success), texts(app.warning))
    week = status.weeks[0].model_dump(mode="json")
    full = status.forecast.model_dump(mode="json")["weekly"][0]["plan"]
    assert week["plan"] < 0.6 * full  # three days carry about 3/7 of the week
    [weeks_table] = [t.value for t in app.dataframe if "partial week" in t.value.columns]
    assert weeks_table["partial week"].iloc[0].endswith("of the week's plan")
    app.toggle(key="fiscal_labels").set_value(True).run()
    assert not app.exception
    tables = [t.value for t in app.dataframe if "fiscal week" in t.value.columns]
    assert tables and tables[0]["fiscal week"].tolist() == ["FY2026 Q1 Feb W4"]


def test_forecast_page_weekly_numbers_show_fiscal_weeks_on_request(app: AppTest, service):
    wf = in_season(service)
    open_page(app, "forecast", wf)
    assert not any("fiscal week" in t.value.columns for t in app.dataframe)
    app.toggle(key="fiscal_labels_forecast").set_value(True).run()
    assert not app.exception
    [table] = [t.value for t in app.dataframe if "fiscal week" in t.value.columns]
    # The demo season starts Monday 2026-02-23: NRF fiscal 2026 began Sunday 1 February 2026.
    assert table["fiscal week"].tolist()[:2] == ["FY2026 Q1 Feb W4", "FY2026 Q1 Mar W5"]
