"""The markdown checkpoint on a confirmed partial week says so (walk-through: it ran without saying)."""

from __future__ import annotations

from tests.orchestrator.conftest import actuals_csv, base_daily, params
from tests.orchestrator.helpers import new_service, small_dataset


def _first_days(data: bytes, days: int) -> bytes:
    lines = data.decode().splitlines()
    dates = sorted({line.split(",")[0] for line in lines[1:]})[:days]
    return ("\n".join([lines[0], *(line for line in lines[1:] if line.split(",")[0] in dates)]) + "\n").encode()


def test_a_checkpoint_on_a_partial_week_says_it_counts_only_the_days_uploaded(db_url: str) -> None:
    svc = new_service(db_url)
    wf = svc.start_workflow(params(), dataset_id=small_dataset(svc)).workflow_id  # markdown at week 3
    svc.decide(wf, accept=True)
    for week in (1, 2):
        svc.upload_actuals(wf, actuals_csv(week, base_daily(0.7)), f"w{week}.csv")
    doc = svc.upload_actuals(wf, _first_days(actuals_csv(3, base_daily(0.7)), 3), "w3.csv",
                             confirm_partial_week=True)
    assert doc.markdown is not None and doc.markdown["week"] == 3
    assert "Week 3 is a partial week (43% of its plan's days)" in doc.markdown["reason"]
    assert "counts only the days uploaded" in doc.markdown["reason"]
