"""Scenario-lab figures of `python -m core bench` (SPEC 9):

  compare_mc_s      8 parameter sets x 200 Monte Carlo seasons on the demo data (50 stores x 12 weeks)
  compare_replay_s  8 parameter sets x 3 past seasons of the demo history
each the median of `runs` whole core.lab.runner.compare calls (demand, forecast, set-ups, the fan-out
over the default executor: a process pool of one worker per core, or Celery with a broker set), after
one untimed warm-up (lazy imports, numba compilation of the forecast). `--quick`: 2 sets x 20 seasons
and 2 sets x 1 season, indicative only.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date
from typing import Any

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("default", {}),
    ("safety-10", {"safety_stock": 0.10}),
    ("safety-30", {"safety_stock": 0.30}),
    ("holdback-30", {"dc_holdback": 0.30}),
    ("markdown-w5", {"markdown_week": 5}),
    ("no-markdown", {"markdown_week": None}),
    ("bi-weekly", {"replenishment": "bi-weekly"}),
    ("threshold-30", {"variance_threshold": 0.30, "emergency_threshold": 0.40}),
]
REPLAY_STARTS = [date(2025, 2, 24), date(2025, 6, 2), date(2025, 9, 1)]


def bench_lab(runs: int = 3, quick: bool = False) -> dict[str, Any]:
    from core.demo import CATEGORIES, SEASON_START, demo_csv_bytes
    from core.domain.ingest import parse_history, parse_stores
    from core.domain.simulation import parameter_set
    from core.lab.runner import DemandSpec, InlineExecutor, compare

    h, s = demo_csv_bytes()
    history, stores = parse_history(h, "history.csv").frame, parse_stores(s, "stores.csv").frame
    n_sets, paths, starts = (2, 20, REPLAY_STARTS[:1]) if quick else (8, 200, REPLAY_STARTS)
    sets = [parameter_set({"category": CATEGORIES[0], "season_start": SEASON_START.isoformat(), "unit_cost": 25.0,
                           "name": name, **v}, source=f"{name}.json") for name, v in VARIANTS[:n_sets]]
    compare(history, stores, sets[:2], DemandSpec("monte-carlo", paths=2), executor=InlineExecutor())

    def timed(spec: DemandSpec) -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        compare(history, stores, sets, spec)
        return time.perf_counter() - t, time.process_time() - c

    mc = [timed(DemandSpec("monte-carlo", paths=paths, seed=0)) for _ in range(runs)]
    replay = [timed(DemandSpec("replay", starts=starts)) for _ in range(runs)]
    return {
        "compare_mc_s": statistics.median(w for w, _ in mc),
        "compare_replay_s": statistics.median(w for w, _ in replay),
        "runs": {"compare": {"sets": n_sets, "mc_paths": paths, "replay_seasons": [d.isoformat() for d in starts],
                             "workers": os.cpu_count(), "executor": "celery" if os.environ.get(
                                 "SEASON_PLANNER_BROKER_URL") else "process pool",
                             "mc_s": [w for w, _ in mc], "replay_s": [w for w, _ in replay],
                             "parent_cpu_s": [c for _, c in mc + replay]}},
    }
