"""Counters the reliability tests add to; printed at the end of the run (see conftest's summary hook).

They are the figures of the closing note: hostile inputs tried, faults injected, concurrent
operations, rows lost.
"""

from __future__ import annotations

from collections import Counter

FIGURES: Counter[str] = Counter()


def add(name: str, n: int = 1) -> None:
    FIGURES[name] += n
