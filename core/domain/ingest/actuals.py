"""One week of actual sales -> ActualsUpload, aligned to the season by date (never by upload order)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from core.domain.calendar import monday_of
from core.domain.errors import IngestError, Problem
from core.domain.ingest import limits
from core.domain.ingest.csv_reading import (
    ColumnSpec,
    ProblemLog,
    bad_identifier,
    day_to_date,
    factorize,
    open_csv,
    parse_dates,
    parse_labels,
    parse_numbers,
    reject,
    show,
    take,
)

ACTUALS_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("date"),
    ColumnSpec("store_id"),
    ColumnSpec("quantity_sold", aliases=("quantity",)),
    ColumnSpec("category", required=False),
)
_EPOCH = date(1970, 1, 1)


@dataclass
class ActualsUpload:
    week: int  # 1-based season week
    week_start: date  # its Monday
    daily: pd.DataFrame  # date (datetime64), store_id, quantity (int)
    by_store: dict[str, int]  # stores with rows only
    total: int
    missing_stores: list[str] = field(default_factory=list)  # known stores without rows
    warnings: list[str] = field(default_factory=list)


def parse_actuals(
    data: bytes,
    filename: str,
    *,
    season_start: date,
    horizon_weeks: int,
    known_stores: Collection[str],
    category: str | None,
) -> ActualsUpload:
    """Validate one week of actuals for the workflow's category; IngestError lists every problem.

    The week is found from the dates (week k = k-th Monday..Sunday of the season), never from the
    upload order. With an empty `known_stores` no store list is checked and none is reported missing.
    """
    csv_file = open_csv(data, filename, ACTUALS_COLUMNS, max_bytes=limits.MAX_ACTUALS_BYTES, what="actuals")
    log = ProblemLog(filename)
    chunks = list(csv_file.chunks(log))
    log.raise_if_any()
    frame = pd.concat([c.frame for c in chunks], ignore_index=True) if chunks else pd.DataFrame()
    lines = np.concatenate([c.lines for c in chunks]) if chunks else np.empty(0, dtype=np.int64)
    if len(frame) == 0:
        raise reject(filename, "the file has a header but no rows; expected one week of daily sales per store")

    warnings: list[str] = []
    if "category" in frame.columns:
        keep, note = _rows_of_category(frame["category"].to_numpy(), lines, category, filename, log)
        log.raise_if_any()
        if note:
            warnings.append(note)
        frame, lines = frame[keep].reset_index(drop=True), lines[keep]

    days = parse_dates(frame["date"].to_numpy(), lines, "date", log)
    s_codes, s_values = parse_labels(
        frame["store_id"].to_numpy(), lines, "store_id", log, what="store_id", judge=bad_identifier
    )
    quantity, _ = parse_numbers(
        frame["quantity_sold"].to_numpy(), lines, "quantity_sold", log, integer=True, maximum=limits.MAX_QUANTITY
    )
    known = set(known_stores)
    if known and s_values.size:
        unknown_value = np.array([v not in known for v in s_values], dtype=bool)
        unknown = take(unknown_value, s_codes, False)
        listed = _describe_ids(sorted(known))
        log.add_rows(
            unknown,
            lines,
            "store_id",
            lambda i: f"unknown store_id {show(s_values[s_codes[i]])}; the workflow's stores are {listed}",
        )

    first_monday = monday_of(season_start)
    season_end = first_monday + timedelta(days=7 * horizon_weeks - 1)
    offset = days - (first_monday - _EPOCH).days
    week_of_row = np.where(days >= 0, offset // 7 + 1, 0)
    outside = (days >= 0) & ((offset < 0) | (week_of_row > horizon_weeks))
    log.add_rows(
        outside,
        lines,
        "date",
        lambda i: f"date {_day(days[i])} is outside the season {first_monday}..{season_end} "
        f"(weeks 1..{horizon_weeks}, Monday..Sunday)",
    )

    keyed = (days >= 0) & (s_codes >= 0)
    key = pd.Series(np.where(keyed, days * (s_values.size + 1) + s_codes, -1 - np.arange(len(days))))
    duplicated = key.duplicated(keep="first").to_numpy()
    if duplicated.any():
        first_line = pd.Series(lines).groupby(key.to_numpy()).min()
        log.add_rows(
            duplicated,
            lines,
            None,
            lambda i: f"duplicate row: date {_day(days[i])} and store_id {s_values[s_codes[i]]!r} already "
            f"appear on line {int(first_line[key.iloc[i]])}",
        )
    log.raise_if_any()

    weeks = np.unique(week_of_row)
    if weeks.size > 1:
        raise _spanning_error(filename, days, week_of_row, lines, first_monday)
    week = int(weeks[0])
    week_start = first_monday + timedelta(weeks=week - 1)

    store_ids = s_values[s_codes]
    daily = (
        pd.DataFrame({"date": day_to_date(days), "store_id": store_ids, "quantity": quantity.astype(np.int64)})
        .sort_values(["date", "store_id"], ignore_index=True)
    )
    by_store_series = daily.groupby("store_id")["quantity"].sum()
    by_store = {str(k): int(v) for k, v in by_store_series.items()}
    missing_stores = sorted(known - set(by_store)) if known else []

    present_days = set(int(d) for d in np.unique(days))
    monday_day = (week_start - _EPOCH).days
    absent = [monday_day + k for k in range(7) if monday_day + k not in present_days]
    if absent:
        names = ", ".join(f"{_day(d).strftime('%A')} {_day(d)}" for d in absent)
        warnings.append(
            f"week {week} ({week_start}..{week_start + timedelta(days=6)}) has no rows for {names}; "
            "those days count as zero sales"
        )
    if missing_stores:
        warnings.append(
            f"{len(missing_stores)} of {len(known)} stores have no rows this week "
            f"({_describe_ids(missing_stores)}); they count as zero only if you confirm"
        )
    return ActualsUpload(
        week=week,
        week_start=week_start,
        daily=daily,
        by_store=by_store,
        total=int(daily["quantity"].sum()),
        missing_stores=missing_stores,
        warnings=warnings,
    )


def _rows_of_category(
    values: np.ndarray, lines: np.ndarray, category: str | None, filename: str, log: ProblemLog
) -> tuple[np.ndarray, str | None]:
    """Rows belonging to the workflow's category, and a note on the rows left out."""
    codes, uniques = factorize(values)
    log.add_rows(codes < 0, lines, "category", lambda i: "missing value")
    present = sorted(set(uniques.tolist()))
    if category is None:
        if len(present) > 1:
            raise reject(
                filename,
                f"the file holds several categories ({', '.join(map(repr, present))}); "
                "the workflow's category must be chosen to read it",
                column="category",
            )
        return codes >= 0, None
    wanted = category.strip().casefold()
    match = np.array([u.casefold() == wanted for u in uniques], dtype=bool)
    keep = take(match, codes, False)
    if not keep.any():
        raise reject(
            filename,
            f"no rows for category {category!r}; the file has {', '.join(map(repr, present)) or 'none'}",
            column="category",
        )
    other = int(((codes >= 0) & ~keep).sum())
    if other:
        others = ", ".join(repr(u) for u, m in zip(uniques, match) if not m)
        return keep, f"{other} rows of other categories ({others}) were ignored; this workflow plans {category!r}"
    return keep, None


def _spanning_error(
    filename: str, days: np.ndarray, week_of_row: np.ndarray, lines: np.ndarray, first_monday: date
) -> IngestError:
    parts = pd.DataFrame({"week": week_of_row, "day": days, "line": lines}).groupby("week").agg(
        first=("day", "min"), last=("day", "max"), rows=("day", "size"), lo=("line", "min"), hi=("line", "max")
    )
    problems = [
        Problem(
            file=filename,
            column="date",
            message=f"the file spans {len(parts)} season weeks; each upload must hold the days of one "
            "Monday..Sunday season week, so nothing was stored",
        )
    ]
    for week, row in parts.iterrows():
        start = first_monday + timedelta(weeks=int(week) - 1)
        problems.append(
            Problem(
                file=filename,
                column="date",
                message=f"dates {_day(row['first'])}..{_day(row['last'])} ({int(row['rows'])} rows, lines "
                f"{int(row['lo'])}-{int(row['hi'])}) fall in season week {int(week)} "
                f"(Monday {start}..Sunday {start + timedelta(days=6)})",
            )
        )
    suggestions = "; ".join(
        f"week {int(w)}: {first_monday + timedelta(weeks=int(w) - 1)}.."
        f"{first_monday + timedelta(weeks=int(w) - 1, days=6)}"
        for w in parts.index
    )
    problems.append(
        Problem(
            file=filename,
            column="date",
            message=f"upload instead one file per season week with that week's Monday..Sunday dates ({suggestions})",
        )
    )
    return IngestError(problems)


def _day(day: int | np.integer) -> date:
    return _EPOCH + timedelta(days=int(day))


def _describe_ids(ids: list[str], shown: int = 10) -> str:
    if len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"
