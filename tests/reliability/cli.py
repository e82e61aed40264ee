"""Running `python -m core` as a separate process, the way scripts and the checks do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.reliability.conftest import ROOT, cli_env


def _module(env: dict[str, str]) -> str:
    """The CLI, or the CLI with an injected kill hook when the test asks for a crash."""
    return "tests.crashing_cli" if env.get("SEASON_PLANNER_TEST_CRASH_AT") else "core"


def run(
    db_url: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    extra = env or {}
    return subprocess.run([sys.executable, "-m", _module(extra), *args, "--db", db_url], cwd=ROOT,
                          env=cli_env(db_url, **extra), capture_output=True, text=True, timeout=timeout)


def popen(db_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    extra = env or {}
    return subprocess.Popen([sys.executable, "-m", _module(extra), *args, "--db", db_url], cwd=ROOT,
                            env=cli_env(db_url, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def doc(result: subprocess.CompletedProcess) -> dict[str, Any]:
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    return json.loads(result.stdout)


def assert_clean_rejection(result: subprocess.CompletedProcess) -> None:
    """Exit 2, every reason on stderr, no traceback, nothing on stdout."""
    assert result.returncode == 2, (
        f"exit {result.returncode}\nstdout: {result.stdout[:500]}\nstderr: {result.stderr[:2000]}"
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().startswith("error:"), result.stderr[:500]
    assert result.stdout.strip() == ""


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
