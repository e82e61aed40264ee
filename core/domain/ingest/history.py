"""Sales history upload -> HistoryFrame (one row per week of the dataset's calendar, store and category)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from core.domain.calendar import MONDAY, week_span, weekday_name
from core.domain.ingest import limits
from core.domain.ingest.csv_reading import (
    ColumnSpec,
    CsvFile,
    ProblemLog,
    Vocabulary,
    bad_identifier,
    bad_label,
    day_to_date,
    open_csv,
    parse_dates,
    parse_labels,
    parse_numbers,
    reject,
    week_first_day,
    weekday_of,
)
from core.domain.ingest.mapping import for_kind

HISTORY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("date"),
    ColumnSpec("store_id"),
    ColumnSpec("category"),
    ColumnSpec("quantity_sold", aliases=("quantity",)),
    ColumnSpec("revenue", required=False),
)
HISTORY_FRAME_COLUMNS = ["week_start", "store_id", "category", "quantity", "revenue", "days"]

# Key of a row for duplicate detection: day << 40 | id of its (store, category) pair. Pairs are
# numbered as they are first seen, so any number of stores and categories fits (a row count, at most
# a few tens of millions, bounds the pairs far below 2**40).
_DAY_SHIFT = 40
_LOW_MASK = (1 << _DAY_SHIFT) - 1


@dataclass
class HistoryUpload:
    frame: pd.DataFrame  # HistoryFrame, see docs/architecture.md
    frequency: Literal["daily", "weekly"]
    rows_read: int
    categories: list[str]
    stores: list[str]
    first_date: date
    last_date: date
    warnings: list[str] = field(default_factory=list)
    week_start: int = MONDAY  # weekday the frame's weeks start on (Monday = 0)
    # Weekday all weekly rows are dated on (None for daily rows or rows on several weekdays).
    detected_week_start: int | None = None
    # Share of each weekday (Monday..Sunday) in a category's sales; daily input only (SPEC 4.7 pro rata).
    weekday_shares: dict[str, list[float]] | None = None


def parse_history(data: bytes, filename: str, *, week_start: int | None = None,
                  mapping: Mapping[str, str] | None = None) -> HistoryUpload:
    """Validate a history CSV and sum it into weeks; IngestError lists every problem.

    Weeks start on `week_start` (Monday = 0). None detects it: weekly rows all dated on one weekday
    give that weekday (Walmart's Saturday weeks stay Saturday weeks), anything else gives Monday.
    `mapping` {our column: theirs} reads a file with its own column names (core/domain/ingest/mapping.py).
    """
    csv_file = open_csv(data, filename, HISTORY_COLUMNS, max_bytes=limits.MAX_HISTORY_BYTES, what="history",
                        mapping=for_kind(mapping, "history"))
    has_revenue = "revenue" in csv_file.columns
    scan = _scan(csv_file, MONDAY if week_start is None else week_start)
    log, stores, categories = scan.log, scan.stores, scan.categories
    if scan.rows_read == 0 and not log:
        raise reject(filename, "the file has a header but no data rows")
    all_keys = np.concatenate(scan.keys) if scan.keys else np.empty(0, dtype=np.int64)
    all_lines = np.concatenate(scan.key_lines) if scan.key_lines else all_keys
    _report_duplicates(all_keys, all_lines, scan.pairs, stores, categories, log)
    log.raise_if_any()
    rows_read, weekly_parts = scan.rows_read, scan.weekly_parts

    weekly = pd.concat(weekly_parts, ignore_index=True)
    if len(weekly_parts) > 1:  # a week can straddle two chunks
        weekly = _weekly_totals(weekly)
    frequency = _frequency(weekly, all_keys)
    warnings: list[str] = []
    first_day, last_day = int(all_keys.min() >> _DAY_SHIFT), int(all_keys.max() >> _DAY_SHIFT)
    chosen = MONDAY if week_start is None else week_start
    detected = None
    if frequency == "weekly":
        weekly["days"] = 7
        weekdays = np.unique(weekday_of(all_keys >> _DAY_SHIFT))
        detected = int(weekdays[0]) if weekdays.size == 1 else None
        if week_start is None and detected is not None and detected != MONDAY:
            # Summed into Monday weeks so far; each such week holds exactly one row per series,
            # dated `detected` days after its Monday: date the week by that row instead.
            chosen = detected
            weekly["week"] = weekly["week"] + detected
        if not (weekdays.size == 1 and weekdays[0] == chosen):
            names = ", ".join(weekday_name(int(d)) for d in weekdays)
            warnings.append(
                f"weekly rows are dated on {names}, not {weekday_name(chosen)}; each row was counted in the "
                f"{week_span(chosen)} week that contains its date"
            )
    else:
        warnings.extend(_partial_week_warnings(weekly))
    if not has_revenue:
        warnings.append("no revenue column: revenue is left empty")

    frame = pd.DataFrame(
        {
            "week_start": day_to_date(weekly["week"].to_numpy()),
            "store_id": np.asarray(stores.values, dtype=object)[weekly["store"].to_numpy()],
            "category": np.asarray(categories.values, dtype=object)[weekly["category"].to_numpy()],
            "quantity": weekly["quantity"].to_numpy(dtype=float),
            "revenue": weekly["revenue"].to_numpy(dtype=float),
            "days": weekly["days"].to_numpy(dtype=np.int64),
        }
    ).sort_values(["category", "store_id", "week_start"], ignore_index=True)
    return HistoryUpload(
        frame=frame,
        frequency=frequency,
        rows_read=rows_read,
        categories=sorted(set(frame["category"])),
        stores=sorted(set(frame["store_id"])),
        first_date=pd.Timestamp(day_to_date(np.array([first_day]))[0]).date(),
        last_date=pd.Timestamp(day_to_date(np.array([last_day]))[0]).date(),
        warnings=warnings,
        week_start=chosen,
        detected_week_start=detected,
        weekday_shares=_weekday_shares(scan, categories) if frequency == "daily" else None,
    )


class _Pairs:
    """Stable ids of the (store id, category id) pairs seen across chunks."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.store: list[int] = []
        self.category: list[int] = []

    def ids(self, store_ids: np.ndarray, category_ids: np.ndarray) -> np.ndarray:
        # Vocabulary ids are below 2**31 (they count distinct strings), so this packing is exact.
        codes, uniques = pd.factorize((store_ids.astype(np.int64) << 32) | category_ids.astype(np.int64))
        mapped = np.empty(len(uniques), dtype=np.int64)
        for k, combo in enumerate(uniques.tolist()):
            got = self.index.get(combo)
            if got is None:
                got = self.index[combo] = len(self.store)
                self.store.append(combo >> 32)
                self.category.append(combo & 0xFFFFFFFF)
            mapped[k] = got
        return mapped[codes] if codes.size else np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.store)


@dataclass
class _Scan:
    log: ProblemLog
    stores: Vocabulary = field(default_factory=Vocabulary)
    categories: Vocabulary = field(default_factory=Vocabulary)
    keys: list[np.ndarray] = field(default_factory=list)  # (date, store, category) per valid row
    key_lines: list[np.ndarray] = field(default_factory=list)
    pairs: _Pairs = field(default_factory=_Pairs)
    weekly_parts: list[pd.DataFrame] = field(default_factory=list)
    weekday_sums: list[np.ndarray] = field(default_factory=list)  # quantity by category * 7 + weekday
    rows_read: int = 0


def _scan(csv_file: CsvFile, first_day: int) -> _Scan:
    """Validate every chunk and sum the valid rows into weeks (only while no problem was found)."""
    has_revenue = "revenue" in csv_file.columns
    scan = _Scan(log=csv_file.problem_log())
    log = scan.log
    chunks = csv_file.chunks(
        log,
        coded=("date", "store_id", "category", "quantity_sold"),
        floats=("revenue",),
    )
    for chunk in chunks:
        lines = chunk.lines
        n = len(lines)
        scan.rows_read += n
        days = parse_dates(chunk.column("date"), lines, "date", log)
        s_codes, s_values = parse_labels(
            chunk.column("store_id"), lines, "store_id", log, what="store_id", judge=bad_identifier
        )
        c_codes, c_values = parse_labels(
            chunk.column("category"), lines, "category", log, what="category", judge=bad_label
        )
        quantity, q_bad = parse_numbers(
            chunk.column("quantity_sold"), lines, "quantity_sold", log, integer=True, maximum=limits.MAX_QUANTITY
        )
        if has_revenue:
            revenue, r_bad = parse_numbers(
                chunk.column("revenue"), lines, "revenue", log, required=False, factorised=False
            )
        else:
            revenue, r_bad = np.full(n, np.nan), np.zeros(n, dtype=bool)
        store_ids = scan.stores.ids(s_codes, s_values)
        category_ids = scan.categories.ids(c_codes, c_values)
        keyed = (days >= 0) & (store_ids >= 0) & (category_ids >= 0)
        scan.keys.append((days[keyed] << _DAY_SHIFT) | scan.pairs.ids(store_ids[keyed], category_ids[keyed]))
        scan.key_lines.append(lines[keyed])
        ok = keyed & ~q_bad & ~r_bad
        if log or not ok.any():
            continue  # the upload will be rejected; keep checking but stop aggregating
        scan.weekly_parts.append(
            _weekly_sums(days[ok], store_ids[ok], category_ids[ok], quantity[ok], revenue[ok], first_day)
        )
        scan.weekday_sums.append(
            np.bincount(category_ids[ok] * 7 + weekday_of(days[ok]), weights=quantity[ok].astype(float))
        )
    return scan


def _weekday_shares(scan: _Scan, categories: Vocabulary) -> dict[str, list[float]]:
    """Each category's sales share by weekday (Monday..Sunday); a category without sales gets 1/7 each.

    Every valid row counts, partial edge weeks included: two short weeks out of a multi-year history
    barely move a share, and the weekday profile only spreads a week's plan over its days."""
    width = 7 * len(categories.values)
    total = np.zeros(width)
    for part in scan.weekday_sums:
        total[: part.size] += part
    shares: dict[str, list[float]] = {}
    for i, name in enumerate(categories.values):
        week = total[7 * i: 7 * i + 7]
        s = float(week.sum())
        shares[str(name)] = [round(float(v) / s, 6) for v in week] if s > 0 else [round(1 / 7, 6)] * 7
    return shares


def _weekly_sums(
    days: np.ndarray, store: np.ndarray, category: np.ndarray, quantity: np.ndarray, revenue: np.ndarray,
    first_day: int,
) -> pd.DataFrame:
    rows = pd.DataFrame(
        {"week": week_first_day(days, first_day), "store": store, "category": category, "quantity": quantity,
         "revenue": revenue}
    )
    grouped = rows.groupby(["week", "store", "category"], sort=False)
    out = grouped.agg(quantity=("quantity", "sum"), days=("quantity", "size"))
    out["revenue"] = grouped["revenue"].sum(min_count=1)
    return out.reset_index()


def _weekly_totals(parts: pd.DataFrame) -> pd.DataFrame:
    grouped = parts.groupby(["week", "store", "category"], sort=False)
    out = grouped.agg(quantity=("quantity", "sum"), days=("days", "sum"))
    out["revenue"] = grouped["revenue"].sum(min_count=1)
    return out.reset_index()


def _report_duplicates(
    keys: np.ndarray, lines: np.ndarray, pairs: _Pairs, stores: Vocabulary, categories: Vocabulary, log: ProblemLog
) -> None:
    if not _may_have_duplicates(keys, len(pairs)):
        return
    duplicated = pd.Series(keys).duplicated(keep="first").to_numpy()
    if not duplicated.any():
        return
    dup_keys = keys[duplicated]
    # Name the first line carrying each repeated key so the planner can find both rows.
    candidates = np.isin(keys, dup_keys)
    firsts = pd.Series(lines[candidates]).groupby(keys[candidates]).min()
    first_line = firsts.reindex(dup_keys).to_numpy()

    def describe(i: int) -> str:
        key = int(dup_keys[i])
        day = pd.Timestamp(day_to_date(np.array([key >> _DAY_SHIFT]))[0]).date()
        pair = key & _LOW_MASK
        store = stores.values[pairs.store[pair]]
        category = categories.values[pairs.category[pair]]
        return (
            f"duplicate row: date {day}, store_id {store!r}, category {category!r} already appears "
            f"on line {int(first_line[i])}"
        )

    log.add_rows(np.ones(dup_keys.size, dtype=bool), lines[duplicated], None, describe)


def _may_have_duplicates(keys: np.ndarray, n_pairs: int) -> bool:
    """Cheap exact check through a dense bincount; hashing 6.6M keys costs over a second."""
    if keys.size < 2:
        return False
    first_day = int(keys.min() >> _DAY_SHIFT)
    span = (int(keys.max() >> _DAY_SHIFT) - first_day + 1) * max(n_pairs, 1)
    if span > 4 * keys.size + 1_000_000:
        return True  # too sparse for a bincount: let the hash-based check decide
    # Built in place: three temporaries of the full length would cost ~150 MB at 6.6M rows.
    dense = keys >> _DAY_SHIFT
    dense -= first_day
    dense *= n_pairs
    dense += keys & _LOW_MASK
    return bool(np.bincount(dense, minlength=span).max() > 1)


def _frequency(weekly: pd.DataFrame, keys: np.ndarray) -> Literal["daily", "weekly"]:
    """Weekly when every store/category series has its rows at least 7 days apart."""
    if len(weekly) == 0 or int(weekly["days"].max()) > 1:
        return "daily"
    series = keys & _LOW_MASK
    by_series = np.sort((series << 20) | (keys >> _DAY_SHIFT))
    same = (by_series[1:] >> 20) == (by_series[:-1] >> 20)
    if not same.any():
        return "daily"  # one row per series: nothing says these are weeks
    gaps = np.diff(by_series & ((1 << 20) - 1))[same]
    return "weekly" if int(gaps.min()) >= 7 else "daily"


def _partial_week_warnings(weekly: pd.DataFrame) -> list[str]:
    per_week = weekly.groupby("week")["days"].max()
    warnings: list[str] = []
    first, last = per_week.index.min(), per_week.index.max()
    for label, week in (("first", first), ("last", last)):
        seen = int(per_week.loc[week])
        if seen < 7:
            start = pd.Timestamp(day_to_date(np.array([week]))[0]).date()
            warnings.append(
                f"the {label} week ({start}) has only {seen} of 7 days; forecasting drops partial weeks"
            )
        if first == last:
            break
    incomplete = int(((weekly["days"] < 7) & ~weekly["week"].isin([first, last])).sum())
    if incomplete:
        warnings.append(
            f"{incomplete} store-weeks inside the history have fewer than 7 days of rows (missing days count as 0)"
        )
    return warnings
