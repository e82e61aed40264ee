"""Step claims as leases (docs/architecture.md, "Step engine"; docs/planning-rules.md §5: steps are resumed
after a crash, exactly once).

A claim names its owner by host, PID *and* the process's start time, and carries an expiry that a
heartbeat pushes forward while the step runs. A claim is dead when

- it expired (the owner stopped renewing it: killed, frozen, or on a host we cannot inspect), or
- it belongs to this host and its PID is gone, is a zombie, or now belongs to another process
  (the start time differs: PIDs are reused), or
- it belongs to this very process but no step of this process holds it any more.

Whoever finds a dead claim may take it over and run the step again; steps are idempotent.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

LEASE_TTL_S = 30.0  # a claim not renewed for this long is dead, wherever its owner runs
HEARTBEAT_S = 10.0


def process_start_of(pid: int) -> str | None:
    """The kernel's start time of `pid` (clock ticks since boot), or None when no such live process.

    A zombie (killed, not yet reaped) counts as gone. Without /proc (not Linux), the PID alone
    decides and the start time is unknown ("?")."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    except OSError:
        return _pid_exists(pid)
    if fields[0] == "Z":
        return None
    return fields[19]  # field 22 of stat(5): starttime


def _pid_exists(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return "?"
    return "?"


@dataclass(frozen=True)
class ProcessIdentity:
    host: str
    pid: int
    process_start: str
    owner: str  # unique per process and start: host:pid:start:random

    @classmethod
    def current(cls) -> ProcessIdentity:
        pid = os.getpid()
        start = process_start_of(pid) or "?"
        host = socket.gethostname()
        return cls(host=host, pid=pid, process_start=start, owner=f"{host}:{pid}:{start}:{uuid.uuid4().hex[:8]}")


_identity: ProcessIdentity | None = None
_identity_lock = threading.Lock()


def this_process() -> ProcessIdentity:
    """The identity of the running process (recomputed after a fork: a Celery pool child is a new owner)."""
    global _identity
    with _identity_lock:
        if _identity is None or _identity.pid != os.getpid():
            _identity = ProcessIdentity.current()
        return _identity


class LiveTokens:
    """Tokens of the claims whose step runs in this process right now."""

    def __init__(self) -> None:
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    def add(self, token: str) -> None:
        with self._lock:
            self._tokens.add(token)

    def discard(self, token: str) -> None:
        with self._lock:
            self._tokens.discard(token)

    def __contains__(self, token: object) -> bool:
        with self._lock:
            return token in self._tokens


LIVE = LiveTokens()


def why_dead(lease: Any, now: datetime, me: ProcessIdentity | None = None) -> str | None:
    """None while the claim is alive; else why it is dead, in words for the timeline."""
    me = me or this_process()
    expires = _aware(lease.expires_at)
    if expires < now:
        return f"its lease expired at {expires.isoformat(timespec='seconds')} (owner {lease.host}, PID {lease.pid})"
    if lease.host != me.host:
        return None  # another host: only the expiry can tell
    if lease.pid == me.pid and lease.process_start == me.process_start:
        return None if lease.token in LIVE else "an earlier attempt in this process ended without finishing"
    start = process_start_of(lease.pid)
    if start is None:
        return f"process {lease.pid} on {lease.host} stopped"
    if start != "?" and lease.process_start != "?" and start != lease.process_start:
        return f"PID {lease.pid} now belongs to another process (the step's process stopped)"
    return None


def expiry(now: datetime, ttl_s: float = LEASE_TTL_S) -> datetime:
    return now + timedelta(seconds=ttl_s)


def _aware(ts: datetime) -> datetime:
    from datetime import timezone

    return ts if ts.tzinfo is not None else ts.replace(tzinfo=timezone.utc)
