"""Server-side time of a plain page rerun on a demo workflow (prints figures; not a test).

    python -m tests.ui.bench_page_reruns

Mid-season demo workflow (order accepted, six weeks of the normal scenario uploaded) and the same
season once closed. Each page is run once to warm caches, then rerun 7 times; the median is printed.
Target: < 0.3 s per rerun.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["plan", "forecast", "approvals", "in_season", "review", "activity"]


def _median_rerun(at: AppTest, page: str, runs: int = 7) -> float:
    at.switch_page(f"pages/{page}.py")
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["DATABASE_URL"] = url
        from core.demo import demo_actuals_bytes
        from core.orchestrator.service import PlannerService

        service = PlannerService(url)
        demo = service.ensure_demo_dataset()
        wf = service.start_workflow({"category": "Women's Dresses", "season_start": "2026-02-23",
                                     "horizon_weeks": 12}, dataset_id=demo.id).workflow_id
        service.decide(wf, accept=True)
        for week in range(1, 7):
            service.upload_actuals(wf, demo_actuals_bytes("normal", week), f"week_{week:02d}.csv")
        if service.status(wf).state == "awaiting_markdown_approval":
            service.decide(wf, accept=True)
        figures: dict[str, float] = {}
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.session_state["workflow_id"] = wf
        at.run()
        for page in PAGES:
            figures[f"{page}_rerun_s"] = round(_median_rerun(at, page), 4)
        service.close_season(wf)
        figures["review_closed_rerun_s"] = round(_median_rerun(at, "review"), 4)
        figures["status_s"] = round(statistics.median(
            [(lambda t0: (service.status(wf), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(7)]), 4)
        service.close()
    json.dump(figures, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
