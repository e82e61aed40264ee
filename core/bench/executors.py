"""Executor figures for `python -m core bench` (docs/planning-rules.md §9, round 2).

  queue_latency_ms      median time from an action to its step's claim (the step starting), on the
                        thread executor and on Celery (`queue_latency_thread_ms`, `queue_latency_celery_ms`);
                        read from the step_done events (`waited_s`), so both ends are the real ones
  celery_steps_per_s    forecast steps per second through real `python -m core worker` processes on
                        Redis, with 1 and with 2 workers (each warmed up first), and the speed-up
Celery figures need Redis (SEASON_PLANNER_BROKER_URL, else redis://127.0.0.1:6379/14); without it
they are reported as skipped with the reason.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"


def _waited_ms(svc: Any, workflow_id: str) -> list[float]:
    return [1000.0 * float(e.data["waited_s"]) for e in svc.events(workflow_id)
            if e.kind == "step_done" and "waited_s" in e.data]


def _season_params(ds: Any) -> dict[str, Any]:
    from core.demo import SEASON_START

    return {"category": ds.categories[0], "season_start": SEASON_START.isoformat(), "horizon_weeks": 12}


def bench_thread_latency(runs: int = 5) -> dict[str, Any]:
    from core.orchestrator.service import PlannerService

    with tempfile.TemporaryDirectory(prefix="sp-bench-q-") as tmp:
        svc = PlannerService(f"sqlite:///{Path(tmp) / 'q.db'}", executor="thread")
        try:
            ds = svc.ensure_demo_dataset()
            waits: list[float] = []
            for _ in range(runs):
                wf = svc.start_workflow(_season_params(ds), dataset_id=ds.id).workflow_id
                svc.wait(wf, timeout_s=120)
                svc.decide(wf, accept=True)
                svc.wait(wf, timeout_s=120)
                waits += _waited_ms(svc, wf)
        finally:
            svc.close()
    return {"queue_latency_thread_ms": statistics.median(waits), "runs": {"queue_latency_thread_ms": waits}}


def _redis_reachable(url: str) -> str | None:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


class _Workers:
    def __init__(self, n: int, env: dict[str, str], logdir: Path, db_url: str):
        self.procs = []
        for i in range(n):
            log = (logdir / f"worker{i}.log").open("w")
            self.procs.append((subprocess.Popen([sys.executable, "-m", "core", "worker", "--db", db_url],
                                                cwd=REPO_ROOT, env=env,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True), log))
        deadline = time.monotonic() + 60
        for i, _ in enumerate(self.procs):
            path = logdir / f"worker{i}.log"
            while "ready." not in path.read_text():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker {i} not ready: {path.read_text()[-2000:]}")
                time.sleep(0.1)

    def stop(self) -> None:
        import signal

        for proc, log in self.procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc, log in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()


def _throughput(n_workers: int, steps: int, broker: str, tmp: Path) -> tuple[float, list[float]]:
    """Forecast steps per second through n workers; also the queue latencies seen."""
    from core.orchestrator.service import PlannerService

    queue = f"season-planner-bench-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "SEASON_PLANNER_BROKER_URL": broker, "SEASON_PLANNER_QUEUE": queue,
           "PYTHONPATH": str(REPO_ROOT), "OPENAI_AGENTS_DISABLE_TRACING": "1"}
    env.pop("OPENAI_API_KEY", None)
    old = {k: os.environ.get(k) for k in ("SEASON_PLANNER_BROKER_URL", "SEASON_PLANNER_QUEUE")}
    os.environ.update({"SEASON_PLANNER_BROKER_URL": broker, "SEASON_PLANNER_QUEUE": queue})
    url = f"sqlite:///{tmp / f'celery{n_workers}.db'}"
    svc = PlannerService(url, executor="celery")  # creates the database before the workers open it
    workers = _Workers(n_workers, env, tmp, url)
    try:
        ds = svc.ensure_demo_dataset()
        warm = [svc.start_workflow(_season_params(ds), dataset_id=ds.id).workflow_id for _ in range(2 * n_workers)]
        for wf in warm:  # each worker pays its imports and compilations before the clock starts
            svc.wait(wf, timeout_s=300)
        t0 = time.perf_counter()
        wfs = [svc.start_workflow(_season_params(ds), dataset_id=ds.id).workflow_id for _ in range(steps)]
        for wf in wfs:
            svc.wait(wf, timeout_s=300, poll_s=0.02)
        elapsed = time.perf_counter() - t0
        waits = []  # one step at a time on an idle worker: the latency itself, not a queue behind others
        for _ in range(3):
            wf = svc.start_workflow(_season_params(ds), dataset_id=ds.id).workflow_id
            svc.wait(wf, timeout_s=300, poll_s=0.02)
            waits += _waited_ms(svc, wf)
    finally:
        svc.close()
        workers.stop()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return steps / elapsed, waits


def bench_celery(steps: int = 12) -> dict[str, Any]:
    broker = os.environ.get("SEASON_PLANNER_BROKER_URL") or DEFAULT_BROKER
    reason = _redis_reachable(broker)
    if reason is not None:
        return {"celery_skipped": f"broker {broker} unreachable: {reason}"}
    with tempfile.TemporaryDirectory(prefix="sp-bench-c-") as tmp:
        one, waits = _throughput(1, steps, broker, Path(tmp))
        two, _ = _throughput(2, steps, broker, Path(tmp))
    return {"celery_steps_per_s_1": one, "celery_steps_per_s_2": two, "celery_speedup_2": two / one,
            "queue_latency_celery_ms": statistics.median(waits) if waits else None,
            "runs": {"queue_latency_celery_ms": waits}}
