"""Scenario-lab figures of `python -m core bench` (docs/planning-rules.md §9):

  compare_mc_s      8 parameter sets x 200 Monte Carlo seasons on the demo data (50 stores x 12 weeks)
  compare_replay_s  8 parameter sets x 3 past seasons of the demo history
each the median of `runs` whole core.lab.runner.compare calls (demand, forecast, set-ups, the fan-out
over the default executor: a process pool of one worker per core), after
one untimed warm-up (lazy imports, numba compilation of the forecast). `--quick`: 2 sets x 20 seasons
and 2 sets x 1 season, indicative only.

  compare_celery_1w_s, compare_celery_2w_s, compare_celery_speedup
                    when Redis answers at 127.0.0.1:6379: 8 sets x 50 Monte Carlo seasons on Celery with one
                    worker (`python -m core worker`), then with two; speed-up = one / two
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
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
                             "workers": os.cpu_count(), "executor": "process pool",
                             "mc_s": [w for w, _ in mc], "replay_s": [w for w, _ in replay],
                             "parent_cpu_s": [c for _, c in mc + replay]}},
    }


REDIS_URL = "redis://127.0.0.1:6379/14"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # no Redis: the Celery figures are left out
        return False


def _timed_on_workers(n_workers: int, run: Any) -> float:
    """`run(executor)` with `n_workers` `python -m core worker` processes taking the lab's parts."""
    from core.orchestrator.engine import celery_app as wiring
    from core.orchestrator.lab_remote import lab_executor

    queue = f"lab-bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "SEASON_PLANNER_BROKER_URL": REDIS_URL, "SEASON_PLANNER_QUEUE": queue,
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("SEASON_PLANNER_LAB_QUEUE", None)
    procs = [subprocess.Popen([sys.executable, "-m", "core", "worker", "--loglevel", "WARNING"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n_workers)]
    old = {k: os.environ.get(k) for k in (wiring.QUEUE_ENV, wiring.LAB_QUEUE_ENV)}
    os.environ[wiring.QUEUE_ENV] = queue
    os.environ.pop(wiring.LAB_QUEUE_ENV, None)
    try:
        app = wiring.celery_app(REDIS_URL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            replies = app.control.inspect(timeout=1.0).active_queues() or {}
            if sum(any(q.get("name") == wiring.lab_queue_name() for q in qs) for qs in replies.values()) >= n_workers:
                break
        with lab_executor(REDIS_URL) as ex:
            t = time.perf_counter()
            run(ex)
            return time.perf_counter() - t
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def bench_celery(quick: bool = False) -> dict[str, Any]:
    """compare_celery_* (module docstring); {} when Redis is not reachable."""
    if not _redis_up():
        return {"runs": {"compare_celery": "skipped: no Redis at 127.0.0.1:6379"}}
    from core.demo import CATEGORIES, SEASON_START, demo_csv_bytes
    from core.domain.ingest import parse_history, parse_stores
    from core.domain.simulation import parameter_set
    from core.lab.runner import DemandSpec, compare

    h, s = demo_csv_bytes()
    history, stores = parse_history(h, "history.csv").frame, parse_stores(s, "stores.csv").frame
    n_sets, paths = (2, 10) if quick else (8, 50)
    sets = [parameter_set({"category": CATEGORIES[0], "season_start": SEASON_START.isoformat(), "name": name, **v},
                          source=name) for name, v in VARIANTS[:n_sets]]

    def run(ex: Any) -> None:
        compare(history, stores, sets, DemandSpec("monte-carlo", paths=paths, seed=0), executor=ex)

    one = _timed_on_workers(1, run)
    two = _timed_on_workers(2, run)
    return {"compare_celery_1w_s": one, "compare_celery_2w_s": two, "compare_celery_speedup": one / two,
            "runs": {"compare_celery": {"sets": n_sets, "mc_paths": paths, "broker": REDIS_URL}}}
