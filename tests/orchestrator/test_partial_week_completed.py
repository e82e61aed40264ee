"""A partial week completed by a file of its other days keeps both parts (attack round: 4,459 + 8,065
was stored as 8,065)."""

from __future__ import annotations

import pytest

from core.domain.errors import PartialWeek, WeekAlreadyStored
from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def _days(data: bytes, keep: range) -> bytes:
    lines = data.decode().splitlines()
    dates = sorted({line.split(",")[0] for line in lines[1:]})
    wanted = {dates[k] for k in keep}
    return ("\n".join([lines[0], *(line for line in lines[1:] if line.split(",")[0] in wanted)]) + "\n").encode()


@pytest.fixture
def season(db_url: str):  # type: ignore[no-untyped-def]
    svc = new_service(db_url)
    wf = svc.start_workflow(params(markdown_week=None), dataset_id=small_dataset(svc)).workflow_id
    svc.decide(wf, accept=True)
    yield svc, wf
    svc.close()


def test_the_other_half_of_a_partial_week_is_added_to_it(season) -> None:  # type: ignore[no-untyped-def]
    svc, wf = season
    week = actuals_csv(1, base_daily())
    first, second = _days(week, range(0, 3)), _days(week, range(3, 7))
    doc = svc.upload_actuals(wf, first, "mon_wed.csv", confirm_partial_week=True)
    part = doc.weeks[0]["actual"]
    doc = svc.upload_actuals(wf, second, "thu_sun.csv")  # no replace, no partial confirmation needed
    full = sum(base_daily().values()) * 7
    assert doc.weeks[0]["actual"] == full and part < full
    assert doc.weeks[0].get("days_share") in (None, 1.0)
    [stored] = [u for u in svc.uploads(wf) if u["status"] == "active"]
    assert not stored.get("missing_dates")
    assert any("completes the partial week stored from mon_wed.csv" in e.message for e in svc.events(wf))


def test_overlapping_days_are_a_correction_that_needs_replace(season) -> None:  # type: ignore[no-untyped-def]
    svc, wf = season
    week = actuals_csv(1, base_daily())
    svc.upload_actuals(wf, _days(week, range(0, 3)), "mon_wed.csv", confirm_partial_week=True)
    with pytest.raises(PartialWeek):
        svc.upload_actuals(wf, _days(week, range(2, 5)), "wed_fri.csv")
    with pytest.raises(WeekAlreadyStored):
        svc.upload_actuals(wf, _days(week, range(2, 5)), "wed_fri.csv", confirm_partial_week=True)
