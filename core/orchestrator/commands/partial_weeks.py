"""A partial week completed by a file of its other days (docs/planning-rules.md §3, partial weeks).

A confirmed partial week (Monday..Wednesday) followed by a file of Thursday..Sunday is one week: the
stored part and the new part are added, not the second put in place of the first (4,459 + 8,065 was
stored as 8,065). Files whose days overlap are a correction instead: the new file replaces the old.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from core.domain.ingest.actuals import ActualsUpload


def completed_week(stored: ActualsUpload, new: ActualsUpload, known_stores: Sequence[str],
                   stored_name: str) -> ActualsUpload | None:
    """The week made of both files when their days do not overlap, else None (a replacement)."""
    if stored.week != new.week or set(stored.dates) & set(new.dates):
        return None
    daily = pd.concat([stored.daily, new.daily], ignore_index=True).sort_values(["date", "store_id"],
                                                                              ignore_index=True)
    by_store = {str(k): int(v) for k, v in daily.groupby("store_id")["quantity"].sum().items()}
    missing_dates = sorted(set(stored.missing_dates) & set(new.missing_dates))
    known = set(known_stores)
    missing_stores = sorted(known - set(by_store)) if known else []
    total = int(daily["quantity"].sum())
    days = 7 - len(missing_dates)
    note = (f"completes the partial week stored from {stored_name}: {stored.total:,} units on its "
            f"{len(stored.dates)} day(s) + {new.total:,} on this file's {len(new.dates)} = {total:,} units"
            + ("" if not missing_dates else f" ({days} of 7 days)"))
    warnings = [w for w in new.warnings if "partial week" not in w and "stores have no rows" not in w]
    if missing_dates:
        warnings.append(f"week {new.week} still lacks {', '.join(d.isoformat() for d in missing_dates)}: it is "
                        f"compared with the plan for its {days} days")
    if missing_stores:
        warnings.append(f"{len(missing_stores)} of {len(known)} stores have no rows this week in either file")
    return replace(new, daily=daily, by_store=by_store, total=total, missing_dates=missing_dates,
                   missing_stores=missing_stores, warnings=warnings, notes=[*new.notes, note])
