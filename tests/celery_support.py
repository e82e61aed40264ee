"""Real Celery workers for the tests: `python -m core worker` subprocesses on the Redis at 127.0.0.1:6379.

Each test session uses its own queue name, so parallel runs on one Redis never take each other's
tasks. Where Redis is unreachable the Celery cases skip with the reason, except under CI=true.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("SEASON_PLANNER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
QUEUE = f"season-planner-test-{uuid.uuid4().hex[:8]}"


def redis_unreachable() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:  # any failure: not usable here
        return f"Redis at {REDIS_URL} unreachable: {type(exc).__name__}: {exc}"


def need_redis() -> None:
    reason = redis_unreachable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the Celery tests must run)")
    pytest.skip(reason)


def worker_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SEASON_PLANNER_BROKER_URL": REDIS_URL,
           "SEASON_PLANNER_QUEUE": QUEUE, "OPENAI_AGENTS_DISABLE_TRACING": "1",
           "SEASON_PLANNER_VISIBILITY_TIMEOUT_S": "5"}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


class Worker:
    """A worker process (its own process group, so kill -9 takes its whole tree)."""

    def __init__(self, *args: str, module: str = "core", env: dict[str, str] | None = None, log: Path | None = None):
        self.log = log or Path(f"/tmp/season-planner-worker-{uuid.uuid4().hex[:6]}.log")
        self._fh = self.log.open("w")
        cmd = [sys.executable, "-m", module, *(["worker"] if module == "core" else []), *args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env or worker_env(), stdout=self._fh,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            if "ready." in self.log.read_text():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {timeout} s: {self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._fh.close()
