"""One week of actual sales -> ActualsUpload, aligned to the season by date (never by upload order)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from core.domain.calendar import MONDAY, start_of_week, week_span, weekday_name
from core.domain.errors import IngestError, PartialWeek, Problem
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
from core.domain.ingest.mapping import for_kind

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
    week_start: date  # its first day (a Monday on the default calendar)
    daily: pd.DataFrame  # date (datetime64), store_id, quantity (int)
    by_store: dict[str, int]  # stores with rows only
    total: int
    missing_stores: list[str] = field(default_factory=list)  # known stores without rows
    warnings: list[str] = field(default_factory=list)
    # Days of the week with no row at all; non-empty only when the planner confirmed a partial week.
    missing_dates: list[date] = field(default_factory=list)
    other_category_rows: int = 0  # well-formed rows of other categories, left out
    # Said once with the upload (not a warning): e.g. "700 rows of other categories ... were ignored".
    notes: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.missing_dates)

    @property
    def dates(self) -> list[date]:
        """The days of the week the file has rows for."""
        return [self.week_start + timedelta(days=k) for k in range(7)
                if self.week_start + timedelta(days=k) not in set(self.missing_dates)]


def parse_actuals(
    data: bytes,
    filename: str,
    *,
    season_start: date,
    horizon_weeks: int,
    known_stores: Collection[str],
    category: str | None,
    week_start: int = MONDAY,
    confirm_partial: bool = False,
    mapping: Mapping[str, str] | None = None,
    weekly_totals: bool = False,
) -> ActualsUpload:
    """Validate one week of actuals for the workflow's category; IngestError lists every problem.

    The week is found from the dates (week k = k-th week of the season on the calendar whose weeks
    start on weekday `week_start`, Monday = 0), never from the upload order. Rows of other
    categories are checked for well-formed values too, then left out. A file lacking whole days of
    its week raises PartialWeek naming them unless `confirm_partial`. With an empty `known_stores`
    no store list is checked and none is reported missing. `weekly_totals` (a weekly data set): a file
    with one row per store is that week's totals, a full week whatever day its rows are dated on.
    `mapping` {our column: theirs} reads a file with its own column names.
    """
    frame, lines, log = _read_rows(data, filename, mapping)
    notes: list[str] = []
    keep, other = np.ones(len(frame), dtype=bool), 0
    if "category" in frame.columns:
        keep, note, other = _rows_of_category(frame["category"].to_numpy(), lines, category, filename, log)
        log.raise_if_any()
        if note:
            notes.append(note)
    days, s_codes, s_values, quantity, lines = _parse_values(frame, lines, keep, log)
    known = set(known_stores)
    _check_stores(known, s_values, s_codes, lines, log)
    first = start_of_week(season_start, week_start)
    week_of_row = _check_season(days, lines, first, horizon_weeks, week_start, log)
    _check_duplicates(days, s_codes, s_values, lines, log)
    log.raise_if_any()

    weeks = np.unique(week_of_row)
    if weeks.size > 1:
        raise _spanning_error(filename, days, week_of_row, lines, first, week_start)
    week = int(weeks[0])
    start = first + timedelta(weeks=week - 1)
    missing_dates, totals_note = _days_of_week(days, s_codes, start, weekly_totals)
    notes += totals_note
    if missing_dates and not confirm_partial:
        raise _partial_error(filename, week, start, week_start, missing_dates)

    daily = (
        pd.DataFrame({"date": day_to_date(days), "store_id": s_values[s_codes], "quantity": quantity.astype(np.int64)})
        .sort_values(["date", "store_id"], ignore_index=True)
    )
    by_store = {str(k): int(v) for k, v in daily.groupby("store_id")["quantity"].sum().items()}
    missing_stores = sorted(known - set(by_store)) if known else []
    return ActualsUpload(
        week=week, week_start=start, daily=daily, by_store=by_store, total=int(daily["quantity"].sum()),
        missing_stores=missing_stores, warnings=_upload_warnings(week, start, missing_dates, missing_stores, known),
        missing_dates=missing_dates, other_category_rows=other, notes=notes,
    )


def _read_rows(
    data: bytes, filename: str, mapping: Mapping[str, str] | None
) -> tuple[pd.DataFrame, np.ndarray, ProblemLog]:
    """The file's rows as text, their file lines and its problem log; raise on a structural problem or no rows."""
    csv_file = open_csv(data, filename, ACTUALS_COLUMNS, max_bytes=limits.MAX_ACTUALS_BYTES, what="actuals",
                        mapping=for_kind(mapping, "actuals"))
    log = csv_file.problem_log()
    chunks = list(csv_file.chunks(log))
    log.raise_if_any()
    frame = pd.concat([c.frame for c in chunks], ignore_index=True) if chunks else pd.DataFrame()
    lines = np.concatenate([c.lines for c in chunks]) if chunks else np.empty(0, dtype=np.int64)
    if len(frame) == 0:
        raise reject(filename, "the file has a header but no rows; expected one week of daily sales per store")
    return frame, lines, log


def _parse_values(
    frame: pd.DataFrame, lines: np.ndarray, keep: np.ndarray, log: ProblemLog
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Day numbers, store codes, store ids, quantities and lines of the kept rows (the category's)."""
    # Every row is checked, whatever its category: "lots" or 3.5 units is an error anywhere in the file.
    all_days = parse_dates(frame["date"].to_numpy(), lines, "date", log)
    all_codes, s_values = parse_labels(
        frame["store_id"].to_numpy(), lines, "store_id", log, what="store_id", judge=bad_identifier
    )
    all_quantity, _ = parse_numbers(
        frame["quantity_sold"].to_numpy(), lines, "quantity_sold", log, integer=True, maximum=limits.MAX_QUANTITY
    )
    return all_days[keep], all_codes[keep], s_values, all_quantity[keep], lines[keep]


def _upload_warnings(
    week: int, start: date, missing_dates: list[date], missing_stores: list[str], known: set[str]
) -> list[str]:
    warnings: list[str] = []
    if missing_dates:
        warnings.append(
            f"week {week} ({start}..{start + timedelta(days=6)}) was confirmed as a partial week: no rows for "
            f"{_name_days(missing_dates)}; it is compared with the plan for its {7 - len(missing_dates)} days only"
        )
    if missing_stores:
        warnings.append(
            f"{len(missing_stores)} of {len(known)} stores have no rows this week "
            f"({_describe_ids(missing_stores)}); they count as zero only if you confirm"
        )
    return warnings


def _days_of_week(days: np.ndarray, s_codes: np.ndarray, start: date,
                  weekly_totals: bool) -> tuple[list[date], list[str]]:
    """The week's days without a row, and a note when the file is a weekly data set's weekly totals: one
    total per store, dated on any day of the week, is the whole week, never "1 of 7 days" of it
    (docs/planning-rules.md §3)."""
    if not (weekly_totals and not pd.Series(s_codes[s_codes >= 0]).duplicated().any()):
        return _absent_days(days, start), []
    dated = sorted({_day(int(d)) for d in np.unique(days)})
    return [], [f"weekly totals (one row per store, dated {', '.join(map(str, dated[:3]))}"
                f"{' ...' if len(dated) > 3 else ''}) taken as the whole week {start}..{start + timedelta(days=6)}"]


def _check_stores(known: set[str], s_values: np.ndarray, s_codes: np.ndarray, lines: np.ndarray,
                  log: ProblemLog) -> None:
    if not known or not s_values.size:
        return
    unknown_value = np.array([v not in known for v in s_values], dtype=bool)
    unknown = take(unknown_value, s_codes, False)
    listed = _describe_ids(sorted(known))
    log.add_rows(
        unknown,
        lines,
        "store_id",
        lambda i: f"unknown store_id {show(s_values[s_codes[i]])}; the workflow's stores are {listed}",
    )


def _check_season(days: np.ndarray, lines: np.ndarray, first: date, horizon_weeks: int, week_start: int,
                  log: ProblemLog) -> np.ndarray:
    """Season week of each row (0 for rows without a date); rows outside the season are problems."""
    season_end = first + timedelta(days=7 * horizon_weeks - 1)
    offset = days - (first - _EPOCH).days
    week_of_row = np.where(days >= 0, offset // 7 + 1, 0)
    outside = (days >= 0) & ((offset < 0) | (week_of_row > horizon_weeks))
    dated = days >= 0
    if int(outside.sum()) > 1 and bool(outside[dated].all()) and int(days[dated].max() - days[dated].min()) < 7:
        # One week of another season (or year): one line saying so, not one identical error per row.
        lo, hi = _day(int(days[dated].min())), _day(int(days[dated].max()))
        span = f"{lo}..{hi}" if lo != hi else str(lo)
        log.add(f"every date in the file ({span}, {int(outside.sum())} rows) is outside the season "
                f"{first}..{season_end} (weeks 1..{horizon_weeks}, {week_span(week_start)}): the file is for "
                "another season", column="date")
        return week_of_row
    log.add_rows(
        outside,
        lines,
        "date",
        lambda i: f"date {_day(days[i])} is outside the season {first}..{season_end} "
        f"(weeks 1..{horizon_weeks}, {week_span(week_start)})",
    )
    return week_of_row


def _check_duplicates(days: np.ndarray, s_codes: np.ndarray, s_values: np.ndarray, lines: np.ndarray,
                      log: ProblemLog) -> None:
    keyed = (days >= 0) & (s_codes >= 0)
    key = pd.Series(np.where(keyed, days * (s_values.size + 1) + s_codes, -1 - np.arange(len(days))))
    duplicated = key.duplicated(keep="first").to_numpy()
    if not duplicated.any():
        return
    first_line = pd.Series(lines).groupby(key.to_numpy()).min()
    log.add_rows(
        duplicated,
        lines,
        None,
        lambda i: f"duplicate row: date {_day(days[i])} and store_id {s_values[s_codes[i]]!r} already "
        f"appear on line {int(first_line[key.iloc[i]])}",
    )


def _absent_days(days: np.ndarray, start: date) -> list[date]:
    """Days of the week starting `start` without a single row (any store)."""
    present = set(int(d) for d in np.unique(days))
    first = (start - _EPOCH).days
    return [_day(first + k) for k in range(7) if first + k not in present]


def _name_days(dates: list[date]) -> str:
    return ", ".join(f"{d.strftime('%A')} {d}" for d in dates)


def _partial_error(filename: str, week: int, start: date, week_start: int, missing: list[date]) -> PartialWeek:
    end = start + timedelta(days=6)
    message = (
        f"week {week} ({start}..{end}, {week_span(week_start)}) has no rows for {_name_days(missing)}: "
        f"the file holds {7 - len(missing)} of the week's 7 days, so it was not stored as a full week; "
        "upload the complete week, or confirm it as a partial week (compared with the plan for those "
        "days only; the full week can replace it later)"
    )
    return PartialWeek([Problem(file=filename, column="date", message=message)], week=week, missing_dates=missing)


def _rows_of_category(
    values: np.ndarray, lines: np.ndarray, category: str | None, filename: str, log: ProblemLog
) -> tuple[np.ndarray, str | None, int]:
    """Rows belonging to the workflow's category, a note on the rows left out, and their number."""
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
        return codes >= 0, None, 0
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
        note = f"{other} rows of other categories ({others}) were ignored; this workflow plans {category!r}"
        return keep, note, other
    return keep, None, 0


def _spanning_error(
    filename: str, days: np.ndarray, week_of_row: np.ndarray, lines: np.ndarray, first_monday: date, week_start: int
) -> IngestError:
    parts = pd.DataFrame({"week": week_of_row, "day": days, "line": lines}).groupby("week").agg(
        first=("day", "min"), last=("day", "max"), rows=("day", "size"), lo=("line", "min"), hi=("line", "max")
    )
    problems = [
        Problem(
            file=filename,
            column="date",
            message=f"the file spans {len(parts)} season weeks; each upload must hold the days of one "
            f"{week_span(week_start)} season week, so nothing was stored",
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
                f"({weekday_name(week_start)} {start}..{weekday_name((week_start + 6) % 7)} "
                f"{start + timedelta(days=6)})",
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
            message=f"upload instead one file per season week with that week's {week_span(week_start)} dates "
            f"({suggestions})",
        )
    )
    return IngestError(problems)


def _day(day: int | np.integer) -> date:
    return _EPOCH + timedelta(days=int(day))


def _describe_ids(ids: list[str], shown: int = 10) -> str:
    if len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"
