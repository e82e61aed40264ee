"""Sales history upload -> HistoryFrame (one row per week of the dataset's calendar, store and category)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
from core.domain.ingest.weekly_grid import SeenDays, WeekSums, partial_week_warnings
from core.domain.ingest.weekly_grid import frequency as series_frequency

HISTORY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("date"),
    ColumnSpec("store_id"),
    ColumnSpec("category"),
    ColumnSpec("quantity_sold", aliases=("quantity",)),
    ColumnSpec("revenue", required=False),
)
HISTORY_FRAME_COLUMNS = ["week_start", "store_id", "category", "quantity", "revenue", "days"]



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
    # Share of each weekday (Monday..Sunday) in a category's sales; daily input only
    # (docs/planning-rules.md §4.7 pro rata).
    weekday_shares: dict[str, list[float]] | None = None


def parse_history(data: object, filename: str, *, week_start: int | None = None,
                  mapping: Mapping[str, str] | None = None, max_bytes: int | None = None) -> HistoryUpload:
    """Validate a history CSV and sum it into weeks; IngestError lists every problem.

    Weeks start on `week_start` (Monday = 0). None detects it: weekly rows all dated on one weekday
    give that weekday (Walmart's Saturday weeks stay Saturday weeks), anything else gives Monday.
    `mapping` {our column: theirs} reads a file with its own column names (core/domain/ingest/mapping.py).
    `data` is the file's bytes or an os.PathLike (read in chunks; see `scan_history`)."""
    return scan_history(data, filename, week_start=week_start, mapping=mapping, max_bytes=max_bytes).upload()


def scan_history(data: object, filename: str, *, week_start: int | None = None,
                 mapping: Mapping[str, str] | None = None, max_bytes: int | None = None,
                 chunk_rows: int | None = None) -> HistoryScan:
    """`parse_history` without building the frame: the weeks stay in a grid that `HistoryScan.batches`
    hands out in the frame's order, so an import never holds the rows read nor the whole frame.

    `max_bytes` defaults to the browser's cap (limits.MAX_HISTORY_BYTES) for bytes and to
    limits.MAX_HISTORY_FILE_BYTES for a file given by path."""
    if max_bytes is not None:
        limit = max_bytes
    else:
        limit = limits.MAX_HISTORY_BYTES if isinstance(data, (bytes, bytearray, memoryview)) else \
            limits.history_file_limit()
    csv_file = open_csv(data, filename, HISTORY_COLUMNS, max_bytes=limit, what="history",
                        mapping=for_kind(mapping, "history"))
    has_revenue = "revenue" in csv_file.columns
    scan = _scan(csv_file, MONDAY if week_start is None else week_start, chunk_rows)
    log = scan.log
    if scan.rows_read == 0 and not log:
        raise reject(filename, "the file has a header but no data rows")
    _report_duplicates(csv_file, scan, chunk_rows)
    log.raise_if_any()
    return _finish(scan, week_start, has_revenue)


@dataclass
class HistoryScan:
    """A validated history summed into weeks (a grid of store-category pairs x weeks)."""

    sums: WeekSums
    pair_store: np.ndarray  # store name of each pair
    pair_category: np.ndarray  # category name of each pair
    frequency: Literal["daily", "weekly"]
    rows_read: int
    first_date: date
    last_date: date
    warnings: list[str]
    week_start: int
    detected_week_start: int | None
    weekday_shares: dict[str, list[float]] | None
    shift: int = 0  # days added to the grid's week starts (weekly rows dated on another weekday)

    def order(self) -> np.ndarray:
        """Pairs in the frame's order: by category, then store id."""
        return np.lexsort((self.pair_store.astype(str), self.pair_category.astype(str)))

    def batches(self, rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """The HistoryFrame in pieces of about `rows` rows, in its order (category, store, week)."""
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        held = 0
        for pair, cols in self.sums.cells(self.order()):
            parts.append((pair, cols))
            held += pair.size
            if held >= rows:
                yield self._frame(parts)
                parts, held = [], 0
        if parts:
            yield self._frame(parts)

    def _frame(self, parts: list[tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
        pair = np.concatenate([p for p, _ in parts])
        cols = np.concatenate([c for _, c in parts])
        g = self.sums.grid
        return pd.DataFrame({
            "week_start": day_to_date(self.sums.column_days(cols) + self.shift),
            "store_id": self.pair_store[pair],
            "category": self.pair_category[pair],
            "quantity": g["quantity"][pair, cols].astype(float),
            "revenue": g["revenue"][pair, cols].astype(float),
            "days": 7 if self.frequency == "weekly" else g["days"][pair, cols].astype(np.int64),
        }, columns=HISTORY_FRAME_COLUMNS)

    def frame(self) -> pd.DataFrame:
        parts = list(self.batches(rows=1 << 62))
        if not parts:
            return pd.DataFrame({c: [] for c in HISTORY_FRAME_COLUMNS})
        return parts[0]

    def stores(self) -> list[str]:
        present = np.unique(self.sums.present()[0])
        return sorted(set(self.pair_store[present].tolist()))

    def categories(self) -> list[str]:
        present = np.unique(self.sums.present()[0])
        return sorted(set(self.pair_category[present].tolist()))

    def category_totals(self) -> dict[str, float]:
        """Units per category (the frame's quantity summed by category)."""
        units = self.sums.grid["quantity"].sum(axis=1)
        totals: dict[str, float] = {}
        for name, value in zip(self.pair_category.tolist(), units.tolist()):
            totals[name] = totals.get(name, 0.0) + float(value)
        return totals

    def week_range(self) -> tuple[date | None, date | None, int]:
        """(first week start, last week start, number of weeks with rows)."""
        cols = np.flatnonzero((self.sums.grid["days"] > 0).any(axis=0))
        if cols.size == 0:
            return None, None, 0
        days = self.sums.column_days(cols[[0, -1]]) + self.shift
        first, last = (pd.Timestamp(d).date() for d in day_to_date(days))
        return first, last, int(cols.size)

    def upload(self) -> HistoryUpload:
        return HistoryUpload(frame=self.frame(), frequency=self.frequency, rows_read=self.rows_read,
                             categories=self.categories(), stores=self.stores(), first_date=self.first_date,
                             last_date=self.last_date, warnings=list(self.warnings), week_start=self.week_start,
                             detected_week_start=self.detected_week_start, weekday_shares=self.weekday_shares)


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
    sums: WeekSums
    stores: Vocabulary = field(default_factory=Vocabulary)
    categories: Vocabulary = field(default_factory=Vocabulary)
    pairs: _Pairs = field(default_factory=_Pairs)
    seen: SeenDays = field(default_factory=SeenDays)
    # The first MAX_PROBLEMS repeated rows (line, pair, day): only those can be among the problems kept.
    repeats: list[tuple[int, int, int]] = field(default_factory=list)
    repeat_count: int = 0
    weekday_sums: np.ndarray = field(default_factory=lambda: np.zeros(0))  # units by category * 7 + weekday
    first_day: int | None = None
    last_day: int | None = None
    rows_read: int = 0


def _read_keys(csv_file: CsvFile, log: ProblemLog, chunk_rows: int | None) -> Iterator[tuple]:
    """Per chunk: (lines, days, store codes/values, category codes/values, chunk) with problems logged."""
    for chunk in csv_file.chunks(log, chunk_rows, coded=("date", "store_id", "category", "quantity_sold"),
                                 floats=("revenue",)):
        lines = chunk.lines
        days = parse_dates(chunk.column("date"), lines, "date", log)
        stores = parse_labels(chunk.column("store_id"), lines, "store_id", log, what="store_id", judge=bad_identifier)
        cats = parse_labels(chunk.column("category"), lines, "category", log, what="category", judge=bad_label)
        yield lines, days, stores, cats, chunk


def _scan(csv_file: CsvFile, first_day: int, chunk_rows: int | None) -> _Scan:
    """Validate every chunk and sum the valid rows into weeks (only while no problem was found)."""
    has_revenue = "revenue" in csv_file.columns
    scan = _Scan(log=csv_file.problem_log(), sums=WeekSums(first_day))
    log = scan.log
    for lines, days, (s_codes, s_values), (c_codes, c_values), chunk in _read_keys(csv_file, log, chunk_rows):
        n = len(lines)
        scan.rows_read += n
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
        pair = np.full(n, -1, dtype=np.int64)
        pair[keyed] = scan.pairs.ids(store_ids[keyed], category_ids[keyed])
        _note_repeats(scan, lines[keyed], pair[keyed], days[keyed])
        ok = keyed & ~q_bad & ~r_bad
        if log or not ok.any():
            continue  # the upload will be rejected; keep checking but stop aggregating
        _add_chunk(scan, days[ok], pair[ok], category_ids[ok], quantity[ok], revenue[ok], first_day)
    return scan


def _note_repeats(scan: _Scan, lines: np.ndarray, pair: np.ndarray, days: np.ndarray) -> None:
    if days.size:
        lo, hi = int(days.min()), int(days.max())
        scan.first_day = lo if scan.first_day is None else min(scan.first_day, lo)
        scan.last_day = hi if scan.last_day is None else max(scan.last_day, hi)
    again = scan.seen.repeats(pair, days)
    if not again.any():
        return
    at = np.flatnonzero(again)
    scan.repeat_count += int(at.size)
    room = limits.MAX_PROBLEMS - len(scan.repeats)
    for i in at[:max(0, room)].tolist():
        scan.repeats.append((int(lines[i]), int(pair[i]), int(days[i])))


def _add_chunk(scan: _Scan, days: np.ndarray, pair: np.ndarray, category: np.ndarray, quantity: np.ndarray,
               revenue: np.ndarray, first_day: int) -> None:
    week = week_first_day(days, first_day)
    rows = pd.DataFrame({"week": week, "pair": pair, "quantity": quantity, "revenue": revenue,
                         "offset": days - week})
    grouped = rows.groupby(["week", "pair"], sort=False)
    out = grouped.agg(quantity=("quantity", "sum"), days=("quantity", "size"), offset=("offset", "max"))
    out["revenue"] = grouped["revenue"].sum(min_count=1)
    out = out.reset_index()
    scan.sums.add(out["pair"].to_numpy(), out["week"].to_numpy(), out["quantity"].to_numpy(dtype=float),
                  out["revenue"].to_numpy(dtype=float), out["days"].to_numpy(), out["offset"].to_numpy())
    part = np.bincount(category * 7 + weekday_of(days), weights=quantity.astype(float))
    if part.size > scan.weekday_sums.size:
        scan.weekday_sums = np.concatenate([scan.weekday_sums, np.zeros(part.size - scan.weekday_sums.size)])
    scan.weekday_sums[: part.size] += part


def _finish(scan: _Scan, week_start: int | None, has_revenue: bool) -> HistoryScan:
    sums = scan.sums
    frequency = series_frequency(sums)
    warnings: list[str] = []
    chosen = MONDAY if week_start is None else week_start
    detected, shift = None, 0
    if frequency == "weekly":
        pair, cols = sums.present()
        weekdays = np.unique(weekday_of(sums.column_days(cols) + sums.grid["offset"][pair, cols]))
        detected = int(weekdays[0]) if weekdays.size == 1 else None
        if week_start is None and detected is not None and detected != MONDAY:
            # Summed into Monday weeks so far; each such week holds exactly one row per series,
            # dated `detected` days after its Monday: date the week by that row instead.
            chosen, shift = detected, detected
        if not (weekdays.size == 1 and weekdays[0] == chosen):
            names = ", ".join(weekday_name(int(d)) for d in weekdays)
            warnings.append(
                f"weekly rows are dated on {names}, not {weekday_name(chosen)}; each row was counted in the "
                f"{week_span(chosen)} week that contains its date"
            )
    else:
        warnings.extend(partial_week_warnings(sums))
    if not has_revenue:
        warnings.append("no revenue column: revenue is left empty")
    stores = np.asarray(scan.stores.values, dtype=object)
    categories = np.asarray(scan.categories.values, dtype=object)
    first_day, last_day = scan.first_day or 0, scan.last_day or 0
    return HistoryScan(
        sums=sums, pair_store=stores[np.asarray(scan.pairs.store, dtype=np.int64)],
        pair_category=categories[np.asarray(scan.pairs.category, dtype=np.int64)], frequency=frequency,
        rows_read=scan.rows_read, first_date=pd.Timestamp(day_to_date(np.array([first_day]))[0]).date(),
        last_date=pd.Timestamp(day_to_date(np.array([last_day]))[0]).date(), warnings=warnings,
        week_start=chosen, detected_week_start=detected, shift=shift,
        weekday_shares=_weekday_shares(scan.weekday_sums, scan.categories) if frequency == "daily" else None,
    )


def _weekday_shares(sums: np.ndarray, categories: Vocabulary) -> dict[str, list[float]]:
    """Each category's sales share by weekday (Monday..Sunday); a category without sales gets 1/7 each.

    Every valid row counts, partial edge weeks included: two short weeks out of a multi-year history
    barely move a share, and the weekday profile only spreads a week's plan over its days."""
    total = np.zeros(7 * len(categories.values))
    total[: sums.size] += sums
    shares: dict[str, list[float]] = {}
    for i, name in enumerate(categories.values):
        week = total[7 * i: 7 * i + 7]
        s = float(week.sum())
        shares[str(name)] = [round(float(v) / s, 6) for v in week] if s > 0 else [round(1 / 7, 6)] * 7
    return shares


def _report_duplicates(csv_file: CsvFile, scan: _Scan, chunk_rows: int | None) -> None:
    """One problem per repeated (date, store, category) row, naming the line where the key first appears.

    Only the first MAX_PROBLEMS repeats can be among the problems kept (they come first by line); the
    lines of their first occurrences are found by reading the keys once more (a rejected file only)."""
    if not scan.repeats:
        return
    firsts = _first_lines(csv_file, scan, {(p, d) for _, p, d in scan.repeats}, chunk_rows)
    lines = np.array([line for line, _, _ in scan.repeats], dtype=np.int64)

    def describe(i: int) -> str:
        _, pair, day = scan.repeats[i]
        when = pd.Timestamp(day_to_date(np.array([day]))[0]).date()
        store = scan.stores.values[scan.pairs.store[pair]]
        category = scan.categories.values[scan.pairs.category[pair]]
        return (f"duplicate row: date {when}, store_id {store!r}, category {category!r} already appears "
                f"on line {firsts[(pair, day)]}")

    scan.log.add_rows(np.ones(lines.size, dtype=bool), lines, None, describe)
    scan.log.total += scan.repeat_count - lines.size


def _first_lines(csv_file: CsvFile, scan: _Scan, keys: set[tuple[int, int]],
                 chunk_rows: int | None) -> dict[tuple[int, int], int]:
    """The first line of each (pair, day) key, read again from the file."""
    found: dict[tuple[int, int], int] = {}
    quiet = csv_file.problem_log()
    wanted_days = np.array(sorted({d for _, d in keys}), dtype=np.int64)
    for lines, days, (s_codes, s_values), (c_codes, c_values), _ in _read_keys(csv_file, quiet, chunk_rows):
        store_ids = scan.stores.ids(s_codes, s_values)
        category_ids = scan.categories.ids(c_codes, c_values)
        near = np.flatnonzero(np.isin(days, wanted_days) & (store_ids >= 0) & (category_ids >= 0))
        for i in near.tolist():
            key = (scan.pairs.index.get((int(store_ids[i]) << 32) | int(category_ids[i]), -1), int(days[i]))
            if key in keys and key not in found:
                found[key] = int(lines[i])
        if len(found) == len(keys):
            break
    return found
