"""A dataset keeps its calendar: the week-start day (detected or chosen) and its weekday profile."""

from __future__ import annotations

from sqlalchemy import text

from core.orchestrator.commands.datasets import import_into
from core.orchestrator.queries.frames import load_frames
from tests.orchestrator.conftest import history_csv, stores_csv
from tests.orchestrator.helpers import new_service


def _saturday_weekly_history() -> bytes:
    """history_csv()'s daily rows summed into Saturday-dated weeks (Saturday..Friday)."""
    import io

    import pandas as pd

    daily = pd.read_csv(io.BytesIO(history_csv()), parse_dates=["date"])
    daily["date"] = daily["date"] - pd.to_timedelta((daily["date"].dt.weekday - 5) % 7, unit="D")
    weekly = daily.groupby(["date", "store_id", "category"], as_index=False)["quantity_sold"].sum()
    weekly["date"] = weekly["date"].dt.strftime("%Y-%m-%d")
    return weekly.to_csv(index=False).encode()


def _import(svc, history: bytes, week_start):
    with svc.uow.begin() as repo:
        return import_into(repo, history=history, history_name="h.csv", stores=stores_csv(),
                           stores_name="stores.csv", label=None, source="upload", cache_key=svc.db_url,
                           week_start=week_start)


def test_week_start_is_detected_stored_and_read_back(db_url):
    svc = new_service(db_url)
    weekly = _saturday_weekly_history()
    detected = _import(svc, weekly, None)
    again = _import(svc, weekly, None)
    assert again.id == detected.id  # same files, same calendar: the same dataset
    with svc.engine.connect() as conn:
        row = conn.execute(text("SELECT week_start, detected_week_start, weekday_shares FROM datasets "
                                "WHERE id = :i"), {"i": detected.id}).one()
    assert tuple(row) == (5, 5, None)
    with svc.uow.read() as repo:
        frames = load_frames(repo, detected.id, svc.db_url + "#reread")  # read back from the rows
    assert frames.week_start == 5 and set(frames.history["week_start"].dt.weekday) == {5}

    monday = _import(svc, weekly, 0)  # the planner changed it: another dataset, Monday weeks
    assert monday.id != detected.id
    with svc.uow.read() as repo:
        frames = load_frames(repo, monday.id, svc.db_url + "#again")
    assert frames.week_start == 0 and set(frames.history["week_start"].dt.weekday) == {0}


def test_daily_history_keeps_a_weekday_profile(db_url):
    from datetime import date, timedelta

    from tests.orchestrator.conftest import STORES

    lines = ["date,store_id,category,quantity_sold"]
    for k in range(28):  # Monday 3 Feb .. Sunday 2 March 2025; Saturdays sell 4 units, other days 1
        day = date(2025, 2, 3) + timedelta(days=k)
        lines += [f"{day},{sid},Dresses,{4 if day.weekday() == 5 else 1}" for sid in STORES]
    svc = new_service(db_url)
    info = _import(svc, ("\n".join(lines) + "\n").encode(), None)
    with svc.uow.read() as repo:
        frames = load_frames(repo, info.id, svc.db_url + "#reread")
    assert frames.week_start == 0
    assert frames.weekday_shares == {"Dresses": [0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 0.1]}
