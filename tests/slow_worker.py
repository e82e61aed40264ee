"""`python -m tests.slow_worker DB_URL STEP FLAG_FILE`: a Celery worker whose engine pauses in STEP
(after writing FLAG_FILE, so the test knows the step is under way) long enough to be killed there.
The pause is injected as the engine's fault hook; production code has no such hook."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from core.orchestrator.worker import run_worker


def _pause_in(step: str, flag: Path):  # type: ignore[no-untyped-def]
    def hook(name: str, args: dict) -> None:
        if name == step:
            flag.write_text(str(os.getpid()))
            time.sleep(120)

    return hook


if __name__ == "__main__":
    db_url, step, flag = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    run_worker(os.environ["SEASON_PLANNER_BROKER_URL"], db_url=db_url,
               engine_options={"fault_hook": _pause_in(step, flag)})
