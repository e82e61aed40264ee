"""Seasons on the dataset's calendar through PlannerService: Saturday weeks, partial weeks, replacing them."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from core.domain.errors import PartialWeek
from core.orchestrator.steps.states import State
from tests.orchestrator.helpers import dump_tables, new_service

STORES = [f"S{i:03d}" for i in range(1, 51)]
SATURDAY_START = date(2025, 3, 1)


def _anchor_dataset(svc, anchor_dir, week_start):
    return svc.import_dataset(history=(anchor_dir / "historical_sales_2022_2024.csv").read_bytes(),
                              history_name="historical_sales_2022_2024.csv",
                              stores=(anchor_dir / "store_attributes.csv").read_bytes(),
                              stores_name="store_attributes.csv", week_start=week_start)


def _start(svc, ds, **kw):
    doc = svc.start_workflow({"category": "Women's Dresses", "season_start": SATURDAY_START.isoformat(),
                              "horizon_weeks": 12, "markdown_week": 6, **kw}, dataset_id=ds.id)
    assert doc.state == State.AWAITING_ORDER_APPROVAL
    return svc.decide(doc.workflow_id, accept=True)


def test_high_demand_runs_as_a_whole_season_on_a_saturday_calendar(db_url, anchor_dir):
    svc = new_service(db_url)
    ds = _anchor_dataset(svc, anchor_dir, "saturday")
    assert ds.week_start == "saturday" and ds.detected_week_start is None  # daily history: nothing to detect
    doc = _start(svc, ds)
    wf = doc.workflow_id
    assert doc.parameters["week_start"] == "saturday"
    assert [w["start"] for w in doc.forecast["weekly"]][:2] == ["2025-03-01", "2025-03-08"]
    for k in range(1, 13):
        path = anchor_dir / "scenarios" / "high_demand" / f"actuals_week_{k:02d}.csv"
        doc = svc.upload_actuals(wf, path.read_bytes(), path.name)
        if doc.state == State.AWAITING_MARKDOWN_APPROVAL:
            doc = svc.decide(wf, accept=True)
        assert doc.weeks[-1]["week"] == k
        assert doc.weeks[-1]["actual"] == int(pd.read_csv(path)["quantity_sold"].sum())
    assert doc.state == State.CLOSED
    assert [w["start"] for w in doc.weeks] == [(SATURDAY_START + timedelta(weeks=k)).isoformat() for k in range(12)]
    # The publishers' demand shock in week 5 (over 20% off forecast) trips the re-forecast.
    assert 5 in svc.report(wf).reforecast_weeks


def test_the_same_file_on_a_monday_calendar_is_refused_naming_both_weeks(db_url, anchor_dir):
    svc = new_service(db_url)
    ds = _anchor_dataset(svc, anchor_dir, None)  # daily history: Monday
    assert ds.week_start == "monday"
    doc = svc.start_workflow({"category": "Women's Dresses", "season_start": "2025-02-24", "horizon_weeks": 12},
                             dataset_id=ds.id)
    doc = svc.decide(doc.workflow_id, accept=True)
    path = anchor_dir / "scenarios" / "high_demand" / "actuals_week_01.csv"
    before = dump_tables(svc)
    with pytest.raises(Exception) as info:
        svc.upload_actuals(doc.workflow_id, path.read_bytes(), path.name)
    assert "spans 2 season weeks" in info.value.messages[0]
    assert "dates 2025-03-01..2025-03-02" in info.value.messages[1]
    assert dump_tables(svc) == before


def _partial(path, keep_days: int) -> bytes:
    frame = pd.read_csv(path)
    days = sorted(frame["date"].unique())[:keep_days]
    return frame[frame["date"].isin(days)].to_csv(index=False).encode()


def test_partial_week_refused_then_confirmed_pro_rata_then_replaced(db_url, anchor_dir):
    svc = new_service(db_url)
    ds = _anchor_dataset(svc, anchor_dir, "saturday")
    wf = _start(svc, ds).workflow_id
    week1 = anchor_dir / "scenarios" / "high_demand" / "actuals_week_01.csv"
    three_days = _partial(week1, 3)  # Saturday 1 .. Monday 3 March
    before = dump_tables(svc)
    with pytest.raises(PartialWeek) as info:
        svc.upload_actuals(wf, three_days, "week_01_partial.csv")
    assert info.value.missing_dates == [date(2025, 3, 4) + timedelta(days=k) for k in range(4)]
    assert "no rows for Tuesday 2025-03-04, Wednesday 2025-03-05, Thursday 2025-03-06, Friday 2025-03-07" \
           in info.value.messages[0]
    assert dump_tables(svc) == before

    doc = svc.upload_actuals(wf, three_days, "week_01_partial.csv", confirm_partial_week=True)
    frames = svc.dataset_frames(ds.id)
    shares = frames.weekday_shares["Women's Dresses"]
    share = shares[5] + shares[6] + shares[0]  # Saturday, Sunday, Monday
    week = doc.weeks[0]
    full_plan = doc.forecast["weekly"][0]["plan"]
    sold = int(pd.read_csv(pd.io.common.BytesIO(three_days))["quantity_sold"].sum())
    assert week["actual"] == sold
    assert week["days_share"] == pytest.approx(share, abs=1e-6)
    assert week["plan"] == pytest.approx(doc.forecast["weekly"][0]["original"] * share, rel=1e-6)
    assert week["variance"] == pytest.approx(sold / week["plan"] - 1, abs=1e-6)
    naive = sold / full_plan - 1  # three days read as a whole week

    doc = svc.upload_actuals(wf, week1.read_bytes(), week1.name, replace=True)
    assert doc.weeks[0]["actual"] == int(pd.read_csv(week1)["quantity_sold"].sum())
    assert doc.weeks[0]["plan"] == pytest.approx(full_plan, rel=1e-6)
    whole = doc.weeks[0]["variance"]
    assert doc.weeks[0]["days_share"] is None
    # Pro rata, the three days tell the week's variance far better than read as a whole week.
    assert abs(week["variance"] - whole) < abs(naive - whole) / 2
    ups = [(u["week"], u["version"], u["status"], u["filename"]) for u in svc.uploads(wf)]
    assert ups == [(1, 1, "superseded", "week_01_partial.csv"), (1, 2, "active", "actuals_week_01.csv")]
