"""In-Season: a week dropped ahead of a missing one is queued in the database (not kept by the browser
tab), the page lists the queue, and filling the gap applies the queued week."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, texts
from tests.ui.test_pages import actuals_file, demo_actuals_bytes, in_season, open_page


def test_a_week_ahead_of_a_missing_one_is_queued_and_listed(app: AppTest, service) -> None:
    wf = in_season(service)
    service.upload_actuals(wf, demo_actuals_bytes("normal", 1), "week_01.csv")
    open_page(app, "in_season", wf)
    app.file_uploader[0].set_value([actuals_file(3)]).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("week 2 is not in yet, so week 3 is queued" in t for t in texts(app.info)), texts(app.info)
    status = service.status(wf)
    assert status.weeks_done == 1 and [(q.week, q.waits_for) for q in status.queued_weeks] == [(3, 2)]
    [queue] = [d.value for d in app.dataframe if "Waiting for" in d.value.columns]
    assert queue.to_dict("records")[0]["Week"] == 3 and queue.to_dict("records")[0]["Waiting for"] == "week 2"
    # another tab (a fresh session) sees the same queue: it lives in the database
    other = AppTest.from_file(str(APP), default_timeout=120)
    open_page(other, "in_season", wf)
    assert [d.value for d in other.dataframe if "Waiting for" in d.value.columns]
    app.file_uploader[0].set_value([actuals_file(2)]).run()
    assert not app.exception, [e.value for e in app.exception]
    status = service.status(wf)
    assert status.weeks_done == 3 and status.queued_weeks == []
