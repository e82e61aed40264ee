"""Reading CSV uploads defensively: structure first, then vectorised value checks per chunk.

Files are read with every column as text (pandas C parser, `dtype=str`) so that a bad value is
reported with its line instead of failing the whole read. Values that repeat a lot (dates, ids,
quantities) are factorised and only the distinct values are checked, which keeps a 6.6M-row file
within a few seconds.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.domain.errors import IngestError, Problem
from core.domain.ingest import limits
from core.domain.ingest.source import Source, as_source

UTF8_BOM = b"\xef\xbb\xbf"
_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID_SHAPE = re.compile(r"^[A-Za-z0-9._-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EPOCH = np.datetime64("1970-01-01", "D")
_HEAD_BYTES = 1 << 22  # the header row is found in the first 4 MB


# ---------------------------------------------------------------- problem collection
@dataclass
class ProblemLog:
    """Collects every problem of one file; keeps the first `cap` (by line) and counts the rest."""

    filename: str
    cap: int = limits.MAX_PROBLEMS
    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    # Our column -> the file's own column when a column mapping renamed it: problems name theirs.
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, message: str, row: int | None = None, column: str | None = None) -> None:
        self.total += 1
        self.problems.append(Problem(file=self.filename, row=row, column=self.label(column), message=message))

    def label(self, column: str | None) -> str | None:
        return self.labels.get(column, column) if column is not None else None

    def add_rows(
        self,
        mask: np.ndarray,
        lines: np.ndarray,
        column: str | None,
        describe: Callable[[int], str],
    ) -> None:
        """One problem per masked row; `describe(i)` builds the message for row position i."""
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        self.total += int(positions.size)
        column = self.label(column)
        for i in positions[: self.cap]:
            self.problems.append(
                Problem(file=self.filename, row=int(lines[i]), column=column, message=describe(int(i)))
            )

    def __bool__(self) -> bool:
        return self.total > 0

    def error(self) -> IngestError:
        ordered = sorted(self.problems, key=lambda p: (p.row is not None, p.row or 0, p.column or ""))
        kept = ordered[: self.cap]
        return IngestError(kept, truncated=self.total - len(kept))

    def raise_if_any(self) -> None:
        if self.total:
            raise self.error()


def reject(filename: str, message: str, row: int | None = None, column: str | None = None) -> IngestError:
    return IngestError([Problem(file=filename, row=row, column=column, message=message)])


def too_big(filename: str, size: int, max_bytes: int, what: str) -> IngestError:
    return reject(filename, f"the file is {size:,} bytes ({size / limits.MB:.1f} MB); the limit for {what} files "
                  f"is {max_bytes:,} bytes ({max_bytes / limits.MB:.0f} MB)")


def show(value: object, width: int = 40) -> str:
    """A value quoted for a message, shortened and with control characters made visible."""
    text = repr(str(value))
    return text if len(text) <= width else text[: width - 4] + "...'"


# ---------------------------------------------------------------- file structure
@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()


@dataclass
class Chunk:
    frame: pd.DataFrame  # canonical column names, text values, NaN for empty cells
    lines: np.ndarray  # 1-based file line of each row (header = line 1)

    def column(self, name: str) -> np.ndarray | pd.Categorical:
        """Values of one column; Categoricals stay coded instead of becoming one string per cell."""
        return column_values(self.frame[name])


def column_values(series: pd.Series) -> np.ndarray | pd.Categorical:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.array
    return series.to_numpy()


@dataclass
class CsvFile:
    """A CSV upload whose size, encoding, header and columns have been checked."""

    source: Source  # the bytes in memory, or a file read in chunks
    filename: str
    names: list[str]  # header as written (trimmed)
    columns: dict[str, int]  # canonical name -> position in the header
    labels: dict[str, str] = field(default_factory=dict)  # canonical name -> the file's name, when mapped

    def problem_log(self) -> ProblemLog:
        return ProblemLog(self.filename, labels=dict(self.labels))

    def chunks(
        self,
        log: ProblemLog,
        chunk_rows: int | None = None,
        *,
        coded: Collection[str] = (),
        floats: Collection[str] = (),
    ) -> Iterator[Chunk]:
        """Rows in chunks, blank lines skipped. Structural parse errors go to `log` and stop the read.

        `coded` columns come back as pandas Categoricals: the parser factorises them while reading,
        far cheaper than building one Python string per cell. `floats` columns are parsed as numbers
        directly; a chunk in which some cell does not parse is read again with those columns as
        text (so each bad cell can be reported), and the fast read resumes after it.
        """
        chunk_rows = chunk_rows or limits.CHUNK_ROWS
        wanted = sorted(self.columns.items(), key=lambda kv: kv[1])
        # One spare column catches rows with a single extra field; more than that is a parser error.
        names = [f"c{i}" for i in range(len(self.names) + 1)]
        text_types: dict[str, str | type] = {name: str for name in names}
        for canon, pos in wanted:
            if canon in coded:
                text_types[names[pos]] = "category"
        text_types[names[-1]] = "category"
        fast_types = dict(text_types)
        for canon, pos in wanted:
            if canon in floats:
                fast_types[names[pos]] = "float64"
        has_fast_path = fast_types != text_types

        line_base = 0  # added to the parser's line numbers when reading from the middle of the file

        def read(first_line: int, types: dict, rows: int | None):
            nonlocal line_base
            handle = self.source.open()
            handles.append(handle)
            if first_line == 2:
                skip, line_base = 1, 0
            else:  # start at the byte where `first_line` begins: pandas skips rows one by one
                handle.seek(self.source.line_offset(first_line))
                skip, line_base = 0, first_line - 1
            return pd.read_csv(
                handle,
                header=None,
                skiprows=skip,
                names=names,
                index_col=False,
                dtype=types,
                encoding="utf-8-sig",
                encoding_errors="strict",
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                engine="c",
                **({"nrows": rows} if rows is not None else {"chunksize": chunk_rows}),
            )

        line = 2  # file line of the next row to read
        handles: list = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                while True:
                    try:
                        for raw in read(line, fast_types, None):
                            yield self._chunk(raw, line, names, wanted, log)
                            line += len(raw)
                        return
                    except ValueError as exc:
                        if not has_fast_path or isinstance(exc, (pd.errors.ParserError, UnicodeDecodeError)):
                            raise
                    # A number column failed somewhere in the chunk starting at `line`.
                    raw = read(line, text_types, chunk_rows)
                    yield self._chunk(raw, line, names, wanted, log)
                    line += len(raw)
                    if len(raw) < chunk_rows:
                        return
        except UnicodeDecodeError:
            log.add(*_encoding_problem(self.source))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError, TypeError) as exc:
            row = _parser_line(exc)
            log.add(_parser_message(exc), row=None if row is None else row + line_base)
        finally:
            for handle in handles:
                handle.close()

    def _chunk(
        self, raw: pd.DataFrame, line: int, names: list[str], wanted: list[tuple[str, int]], log: ProblemLog
    ) -> Chunk:
        lines = np.arange(line, line + len(raw), dtype=np.int32)
        blank = raw[names[0]].isna().to_numpy()
        if blank.any():
            blank &= raw.isna().all(axis=1).to_numpy()
        extra = raw[names[-1]].notna().to_numpy() & ~blank
        log.add_rows(
            extra, lines, None, lambda i: f"row has more fields than the header ({len(self.names)} columns)"
        )
        frame = raw[[names[pos] for _, pos in wanted]]
        frame.columns = [canon for canon, _ in wanted]
        if blank.any():
            return Chunk(frame=frame.loc[~blank].reset_index(drop=True), lines=lines[~blank])
        return Chunk(frame=frame, lines=lines)


def _parser_line(exc: Exception) -> int | None:
    found = re.search(r"line (\d+)", str(exc))
    return int(found.group(1)) if found else None


def _parser_message(exc: Exception) -> str:
    text = str(exc).strip().replace("Error tokenizing data. C error: ", "")
    found = re.search(r"Expected (\d+) fields in line \d+, saw (\d+)", text)
    if found:
        return f"row has {found.group(2)} fields, more than the header's columns"
    return f"the file could not be read as CSV ({text.splitlines()[0] if text else type(exc).__name__})"


def _encoding_problem(source: Source) -> tuple[str, int | None]:
    bad = source.first_bad_utf8()
    if bad is not None:
        line, byte_value = bad
        byte = byte_value.hex()
        return (
            f"the file is not valid UTF-8 (byte 0x{byte}); save it as 'CSV UTF-8' "
            "(for example from Excel: File > Save As > CSV UTF-8)",
            line,
        )
    return ("the file is not valid UTF-8; save it as 'CSV UTF-8'", None)


def open_csv(
    data: object,
    filename: str,
    specs: Sequence[ColumnSpec],
    *,
    max_bytes: int,
    what: str,
    mapping: Mapping[str, str] | None = None,
) -> CsvFile:
    """Check size, emptiness, encoding, delimiter and columns; raise IngestError on the first failure.

    `data` is the file's bytes or an os.PathLike read in blocks (core/domain/ingest/source.py).
    `mapping` {our column: their column} finds a column under the file's own name first (then ours)."""
    source = as_source(data)
    if source is None:
        raise reject(filename, f"expected the file's bytes, got {type(data).__name__}")
    size = source.size()  # a file's size from the file system: nothing is read before the limit is checked
    if size > max_bytes:
        raise too_big(filename, size, max_bytes, what)
    head = source.head(_HEAD_BYTES)
    skip = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    body = head[skip:]
    if not source.has_content(skip):
        raise reject(filename, f"the file is empty; expected a header row and {what} rows")
    if body.startswith(b"PK\x03\x04") or body.startswith(b"\xd0\xcf\x11\xe0"):
        raise reject(filename, "this looks like an Excel workbook, not a CSV file; export it as 'CSV UTF-8'")
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4096]:
        raise reject(filename, "the file is UTF-16 or binary, not UTF-8 text; save it as 'CSV UTF-8'")
    nul, line = source.find(b"\x00", skip)
    if nul >= 0:
        # pandas' C parser silently cuts a cell at a NUL ('S1\x00x' reads as 'S1'), so find it first.
        raise reject(filename, "the file contains a NUL byte (binary or corrupt data); save it as 'CSV UTF-8'",
                     row=line)

    # Skip leading blank lines only to find the header; the header must still be line 1.
    end = body.find(b"\n")
    header_bytes = body if end < 0 else body[:end]
    try:
        header_text = header_bytes.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise reject(
            filename,
            f"the header is not valid UTF-8 (byte 0x{header_bytes[exc.start:exc.start + 1].hex()}); "
            "save the file as 'CSV UTF-8'",
            row=1,
        ) from None
    if not header_text.strip():
        raise reject(filename, "the first line is empty; the header row must be line 1", row=1)
    try:
        names = [n.strip() for n in next(csv.reader([header_text]))]
    except (csv.Error, StopIteration):
        raise reject(filename, "the header row could not be read", row=1) from None

    expected = ", ".join(s.name if s.required else f"[{s.name}]" for s in specs)
    if len(names) == 1:
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in names[0]:
                raise reject(
                    filename,
                    f"expected comma-separated columns ({expected}) but the header is separated by "
                    f"{label}; save the file as comma-separated CSV",
                    row=1,
                )

    folded = [n.casefold() for n in names]
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    mapping = dict(mapping or {})
    labels: dict[str, str] = {}
    for spec in specs:
        theirs = mapping.get(spec.name)
        candidates = ([theirs] if theirs else []) + [spec.name, *spec.aliases]
        pos = next((folded.index(c.casefold()) for c in candidates if c.casefold() in folded), None)
        if pos is None:
            if spec.required:
                wanted = f"'{theirs}' (mapped to {spec.name})" if theirs else f"'{spec.name}'"
                problems.append(
                    Problem(
                        file=filename,
                        row=1,
                        column=theirs or spec.name,
                        message=f"missing column {wanted}; the header has {', '.join(map(show, names))}; "
                        f"expected {expected}" + ("" if theirs else "; map your own column names to ours "
                                                  "(Plan page: column mapping; command line: --map "
                                                  f"{spec.name}=YOUR_COLUMN)"),
                    )
                )
            continue
        columns[spec.name] = pos
        if theirs and names[pos].casefold() == theirs.casefold() and theirs.casefold() != spec.name.casefold():
            labels[spec.name] = names[pos]
    by_position: dict[int, list[str]] = {}
    for canon, pos in columns.items():
        by_position.setdefault(pos, []).append(canon)
    for pos, canons in by_position.items():
        if len(canons) > 1:
            problems.append(Problem(file=filename, row=1, column=names[pos],
                                    message=f"column '{names[pos]}' is mapped to {' and '.join(canons)}; "
                                    "each column can stand for one of ours"))
    used = {folded[p] for p in columns.values()}
    for name in used:
        if folded.count(name) > 1:
            problems.append(
                Problem(file=filename, row=1, column=name, message=f"column '{name}' appears more than once")
            )
    if problems:
        raise IngestError(problems)
    return CsvFile(source=source, filename=filename, names=names, columns=columns, labels=labels)


# ---------------------------------------------------------------- vectorised value checks
def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 = empty cell) and distinct values, trimmed of surrounding whitespace."""
    if isinstance(values, pd.Categorical):
        codes, uniques = np.asarray(values.codes, dtype=np.int64), np.asarray(values.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)
    if uniques.size:
        stripped = np.array([u.strip() for u in uniques], dtype=object)
        if not (stripped == uniques).all():
            # Re-factorise so ' S001' and 'S001' become one value.
            codes2, uniques2 = pd.factorize(stripped)
            codes = np.where(codes >= 0, codes2[np.maximum(codes, 0)], -1)
            uniques = np.asarray(uniques2, dtype=object)
        empty = uniques == ""
        if empty.any():
            remap = np.where(empty, -1, np.arange(uniques.size))
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return codes, uniques


def take(per_unique: np.ndarray, codes: np.ndarray, fill: Any) -> np.ndarray:
    """Per-row values from per-distinct-value ones; `fill` where the code is -1 (empty cell).

    `fill` is any scalar numpy takes (a bool, a number, NaN or None for an object column), hence `Any`.
    """
    if per_unique.size == 0:
        return np.full(len(codes), fill, dtype=per_unique.dtype if fill is not None else object)
    return np.where(codes >= 0, per_unique[np.maximum(codes, 0)], fill)


def check_present(codes: np.ndarray, lines: np.ndarray, column: str, log: ProblemLog) -> np.ndarray:
    """Mask of empty cells, reported as missing values."""
    missing = codes < 0
    log.add_rows(missing, lines, column, lambda i: "missing value")
    return missing


def parse_dates(
    values: np.ndarray, lines: np.ndarray, column: str, log: ProblemLog
) -> np.ndarray:
    """Day numbers since 1970-01-01 (int64); -1 where the row is invalid (already reported)."""
    codes, uniques = factorize(values)
    bad_row = check_present(codes, lines, column, log)
    shaped = np.array([bool(_DATE_SHAPE.match(u)) for u in uniques], dtype=bool)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object).where(shaped), format="%Y-%m-%d", errors="coerce")
    days = np.full(uniques.size, -1, dtype=np.int64)
    valid_date = parsed.notna().to_numpy()
    ok = valid_date.copy()
    if ok.any():
        years = parsed.dt.year.to_numpy()
        ok &= (years >= limits.MIN_YEAR) & (years <= limits.MAX_YEAR)
        days[ok] = (parsed.to_numpy()[ok].astype("datetime64[D]") - _EPOCH).astype(np.int64)
    row_bad = take(~ok, codes, False)

    def describe(i: int) -> str:
        value = uniques[codes[i]]
        if valid_date[codes[i]]:
            return f"date {show(value)} is outside the supported years {limits.MIN_YEAR}..{limits.MAX_YEAR}"
        return f"{show(value)} is not a valid date; expected YYYY-MM-DD (e.g. 2025-03-03)"

    log.add_rows(row_bad, lines, column, describe)
    out = take(days, codes, -1)
    out[bad_row] = -1
    return out


def bad_identifier(value: str, max_length: int = limits.MAX_ID_LENGTH) -> str | None:
    """Why `value` is not a valid identifier, or None when it is fine."""
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} allowed"
    if value.startswith(limits.FORMULA_PREFIXES):
        return (
            f"starts with {value[0]!r}, which spreadsheets treat as a formula; "
            "ids must start with a letter, digit, '_' or '.'"
        )
    if not _ID_SHAPE.match(value):
        return "may contain only letters, digits, '-', '_' and '.'"
    return None


def bad_label(value: str, max_length: int = limits.MAX_CATEGORY_LENGTH) -> str | None:
    """Why a free-text label (a category name) is unacceptable, or None."""
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} allowed"
    if value.startswith(limits.FORMULA_PREFIXES):
        return f"starts with {value[0]!r}, which spreadsheets treat as a formula"
    if _CONTROL.search(value):
        return "contains control characters (tab, line break, ...)"
    return None


def parse_labels(
    values: np.ndarray,
    lines: np.ndarray,
    column: str,
    log: ProblemLog,
    *,
    what: str,
    judge: Callable[[str], str | None],
) -> tuple[np.ndarray, np.ndarray]:
    """Codes into distinct valid values (-1 where invalid, already reported) and those values."""
    codes, uniques = factorize(values)
    bad_row = check_present(codes, lines, column, log)
    reasons = [judge(u) for u in uniques]
    unique_bad = np.array([r is not None for r in reasons], dtype=bool)
    row_bad = take(unique_bad, codes, False)
    log.add_rows(row_bad, lines, column, lambda i: f"{what} {show(uniques[codes[i]])} {reasons[codes[i]]}")
    codes = codes.copy()
    codes[bad_row | row_bad] = -1
    return codes, uniques


def parse_numbers(
    values: np.ndarray,
    lines: np.ndarray,
    column: str,
    log: ProblemLog,
    *,
    required: bool = True,
    integer: bool = False,
    minimum: float = 0.0,
    strictly_positive: bool = False,
    maximum: float = limits.MAX_AMOUNT,
    factorised: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of rows that are invalid (already reported).

    `factorised=False` parses every cell directly: faster for nearly-unique columns such as revenue.
    """
    if values.dtype.kind == "f":  # already parsed by the fast path: only blanks are NaN
        numbers = np.asarray(values, dtype=float)
        empty = np.isnan(numbers)

        def text(i: int) -> str:
            return repr(float(numbers[i]))
    elif factorised:
        codes, uniques = factorize(values)
        parsed_u = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype=float)
        numbers = take(parsed_u, codes, np.nan)
        empty = codes < 0

        def text(i: int) -> str:
            return uniques[codes[i]]
    else:
        series = pd.Series(values, dtype=object)
        empty = series.isna().to_numpy()
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        retry = np.isnan(numbers) & ~empty
        if retry.any():  # surrounding spaces, or a blank made of spaces
            stripped = series[retry].str.strip()
            numbers[retry] = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype=float)
            empty[np.flatnonzero(retry)[(stripped == "").to_numpy()]] = True

        def text(i: int) -> str:
            return values[i]

    bad = np.zeros(len(numbers), dtype=bool)
    if required:
        log.add_rows(empty, lines, column, lambda i: "missing value")
        bad |= empty
    unparsable = np.isnan(numbers) & ~empty
    log.add_rows(unparsable, lines, column, lambda i: f"{show(text(i))} is not a number")
    bad |= unparsable
    with np.errstate(invalid="ignore"):
        huge = ~np.isnan(numbers) & (np.abs(numbers) > maximum)  # includes +-inf
        log.add_rows(
            huge, lines, column, lambda i: f"{show(text(i))} is not a plausible value (limit {maximum:,.0f})"
        )
        bad |= huge
        low = ~np.isnan(numbers) & ~huge & ((numbers <= minimum) if strictly_positive else (numbers < minimum))
        relation = "greater than" if strictly_positive else "at least"
        log.add_rows(
            low,
            lines,
            column,
            lambda i: f"{show(text(i))} is {'negative' if numbers[i] < 0 else 'too small'}; "
            f"must be {relation} {minimum:g}",
        )
        bad |= low
        if integer:
            fractional = ~np.isnan(numbers) & ~huge & (numbers != np.floor(numbers))
            log.add_rows(
                fractional, lines, column, lambda i: f"{show(text(i))} is not a whole number of units"
            )
            bad |= fractional
    return numbers, bad


def parse_choice(
    values: np.ndarray,
    lines: np.ndarray,
    column: str,
    log: ProblemLog,
    allowed: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Canonical spelling of each value (matched case-insensitively) and a mask of invalid rows."""
    codes, uniques = factorize(values)
    missing = codes < 0
    lookup = {a.casefold(): a for a in allowed}
    canonical = np.array([lookup.get(u.casefold().replace(" ", "")) for u in uniques], dtype=object)
    known = np.array([c is not None for c in canonical], dtype=bool)
    row_bad = take(~known, codes, False)
    log.add_rows(missing, lines, column, lambda i: f"missing value; allowed {', '.join(allowed)}")
    log.add_rows(
        row_bad,
        lines,
        column,
        lambda i: f"{show(uniques[codes[i]])} is not an allowed value; allowed {', '.join(allowed)}",
    )
    out = take(canonical, codes, None)
    return out, missing | row_bad


class Vocabulary:
    """Stable integer ids for strings seen across chunks (store ids, categories)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def ids(self, codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
        mapped = np.empty(uniques.size, dtype=np.int64)
        for k, u in enumerate(uniques):
            got = self.index.get(u)
            if got is None:
                got = self.index[u] = len(self.values)
                self.values.append(u)
            mapped[k] = got
        return take(mapped, codes, -1)


def day_to_date(days: np.ndarray) -> np.ndarray:
    return (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")


def monday_day(days: np.ndarray) -> np.ndarray:
    """Day number of the Monday of each day's week (1970-01-01 was a Thursday)."""
    return week_first_day(days, 0)


def week_first_day(days: np.ndarray, first_day: int) -> np.ndarray:
    """Day number of the first day of each day's week, weeks starting on weekday `first_day` (Monday = 0)."""
    return days - (days + 3 - first_day) % 7


def weekday_of(days: np.ndarray) -> np.ndarray:
    """Weekday (Monday = 0) of day numbers counted from 1970-01-01, a Thursday."""
    return (days + 3) % 7
