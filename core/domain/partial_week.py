"""A confirmed partial week against the plan for its own days (docs/planning-rules.md §4.7).

A file holding Monday..Wednesday of a week is not a week of weak sales: its variance compares it
with the part of the week's plan those days carry. The week's plan is spread over its days by the
history's weekday profile (each weekday's share of the category's sales, read from daily history
at import); weekly history says nothing about days, so each day then carries a seventh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

UNIFORM = (1 / 7,) * 7


def days_share(days: Iterable[date], weekday_shares: Sequence[float] | None = None) -> float:
    """Share of a week's plan that falls on `days` (distinct dates of one week), between 0 and 1.

    `weekday_shares` are the shares of Monday..Sunday (they need not sum to exactly 1: they are
    normalised here); None or an all-zero profile spreads the week evenly."""
    shares = list(weekday_shares) if weekday_shares is not None else list(UNIFORM)
    if len(shares) != 7 or any(s < 0 for s in shares):
        raise ValueError(f"weekday shares must be 7 non-negative numbers (Monday..Sunday), got {shares!r}")
    total = sum(shares)
    if total <= 0:
        shares, total = list(UNIFORM), 1.0
    weekdays = {d.weekday() for d in days}
    return min(1.0, sum(shares[w] for w in weekdays) / total)


def partial_plan(week_plan: float, days: Iterable[date], weekday_shares: Sequence[float] | None = None) -> float:
    """The part of `week_plan` that the given days of the week are expected to sell."""
    return week_plan * days_share(days, weekday_shares)
