"""`python -m tests.crashing_cli ARGS...`: the command line with a step hook that kills this process
(SIGKILL) right before the named step would commit - "<step>" or "<step>:<week>", taken from
SEASON_PLANNER_TEST_CRASH_AT. Injected from the tests; production code has no such hook."""

from __future__ import annotations

import os
import signal
import sys

from core.cli.main import main


def _killer(target: str):  # type: ignore[no-untyped-def]
    def hook(name: str, args: dict) -> None:
        if target in {name, f"{name}:{args.get('from_week', '')}"}:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


if __name__ == "__main__":
    target = os.environ.get("SEASON_PLANNER_TEST_CRASH_AT", "")
    raise SystemExit(main(sys.argv[1:], service_options={"before_commit": _killer(target)} if target else None))
