"""Server-side time of a Streamlit page rerun on the demo workflow, measured with AppTest.

A workflow on the built-in demo data is taken through the order approval, the allocation and a few
weeks of actuals (so every page has its charts and tables to draw), on a temporary SQLite file the
app opens through DATABASE_URL. Each page is opened once (the first run pays the caches) and then
rerun several times with nothing changed: that rerun is what a user waits for after clicking a
widget, and it should do no heavy work. Figure: median seconds per page, and the worst page.

Run: python -m core.bench.pages
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "streamlit_app.py"
PAGES = ("plan", "forecast", "approvals", "in_season", "review", "activity")


def _demo_workflow(db_url: str, weeks: int) -> str:
    from core.demo import SEASON_START, demo_actuals_bytes
    from core.orchestrator.service import PlannerService

    svc = PlannerService(db_url)
    try:
        ds = svc.ensure_demo_dataset()
        doc = svc.start_workflow({"category": ds.categories[0], "season_start": SEASON_START.isoformat(),
                                  "horizon_weeks": 12}, dataset_id=ds.id)
        doc = svc.decide(doc.workflow_id, accept=True)
        for week in range(1, weeks + 1):
            doc = svc.upload_actuals(doc.workflow_id, demo_actuals_bytes("normal", week), f"week_{week:02d}.csv")
        return doc.workflow_id
    finally:
        svc.close()


def bench_pages(*, reruns: int = 3, weeks: int = 3) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest

    if not APP.exists():
        raise FileNotFoundError(f"no Streamlit app at {APP}")
    previous = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="sp-bench-pages-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'pages.db'}"
        os.environ["DATABASE_URL"] = db_url
        try:
            workflow_id = _demo_workflow(db_url, weeks)
            at = AppTest.from_file(str(APP), default_timeout=120)
            at.session_state["workflow_id"] = workflow_id
            first: dict[str, float] = {}
            rerun: dict[str, list[float]] = {}
            errors: dict[str, list[str]] = {}
            for page in PAGES:
                at.switch_page(f"pages/{page}.py")
                t = time.perf_counter()
                at.run()
                first[page] = time.perf_counter() - t
                if at.exception:
                    errors[page] = [str(e.value)[:300] for e in at.exception]
                times = []
                for _ in range(reruns):
                    t = time.perf_counter()
                    at.run()
                    times.append(time.perf_counter() - t)
                rerun[page] = times
        finally:
            if previous is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = previous
    medians = {p: float(statistics.median(v)) for p, v in rerun.items()}
    return {
        "page_rerun_max_s": max(medians.values()),
        "page_rerun_s": medians,
        "runs": {"page_first_run_s": first, "page_rerun_s": rerun, "page_errors": errors,
                 "page_workflow_weeks": weeks},
    }


def main(argv: list[str] | None = None) -> int:
    result = bench_pages()
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
