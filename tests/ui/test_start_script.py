"""scripts/start.sh takes a port and says where the app is (walk-through: it had a fixed port and said nothing)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_start_sh_serves_on_the_given_port_and_says_where(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.Popen(["bash", "scripts/start.sh", "--port", str(port), "--server.headless", "true"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        said = ""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and "starting at" not in said:
            said += proc.stdout.readline() if proc.stdout else ""
        assert f"Season Planner: starting at http://localhost:{port}" in said, said
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not answer on the given port")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_start_sh_refuses_a_port_that_is_not_a_number() -> None:
    proc = subprocess.run(["bash", "scripts/start.sh", "--port", "eighty"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 2 and "--port eighty is not a port number (1..65535)" in proc.stderr
