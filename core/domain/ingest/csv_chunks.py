"""Reading a checked CSV file in chunks: every column as text, or numbers parsed directly on a fast path.

Files are read with every column as text (pandas C parser, `dtype=str`) so that a bad value is
reported with its line instead of failing the whole read.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.domain.ingest import limits
from core.domain.ingest.problems import ProblemLog
from core.domain.ingest.source import Source


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
        text_types, fast_types = _column_types(names, wanted, coded, floats)
        reader = _FrameReader(self.source, names, chunk_rows)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield from _fast_then_text(
                    reader, text_types, fast_types, lambda raw, line: self._chunk(raw, line, names, wanted, log)
                )
        except UnicodeDecodeError:
            log.add(*_encoding_problem(self.source))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError, TypeError) as exc:
            row = _parser_line(exc)
            log.add(_parser_message(exc), row=None if row is None else row + reader.line_base)
        finally:
            reader.close()

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


def _column_types(
    names: list[str], wanted: list[tuple[str, int]], coded: Collection[str], floats: Collection[str]
) -> tuple[dict[str, str | type], dict[str, str | type]]:
    """The parser's dtypes: every column as text (coded ones as categories), and the fast path's with numbers."""
    text_types: dict[str, str | type] = {name: str for name in names}
    for canon, pos in wanted:
        if canon in coded:
            text_types[names[pos]] = "category"
    text_types[names[-1]] = "category"
    fast_types = dict(text_types)
    for canon, pos in wanted:
        if canon in floats:
            fast_types[names[pos]] = "float64"
    return text_types, fast_types


class _FrameReader:
    """pandas reads of one file from a given line; the handles it opened are closed by `close`."""

    def __init__(self, source: Source, names: list[str], chunk_rows: int) -> None:
        self.source = source
        self.names = names
        self.chunk_rows = chunk_rows
        self.line_base = 0  # added to the parser's line numbers when reading from the middle of the file
        self.handles: list = []

    def read(self, first_line: int, types: dict, rows: int | None) -> Any:
        """`rows` rows from `first_line`, or (rows=None) an iterator of chunks of `chunk_rows` to the end."""
        handle = self.source.open()
        self.handles.append(handle)
        if first_line == 2:
            skip, self.line_base = 1, 0
        else:  # start at the byte where `first_line` begins: pandas skips rows one by one
            handle.seek(self.source.line_offset(first_line))
            skip, self.line_base = 0, first_line - 1
        return pd.read_csv(
            handle,
            header=None,
            skiprows=skip,
            names=self.names,
            index_col=False,
            dtype=types,
            encoding="utf-8-sig",
            encoding_errors="strict",
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
            **({"nrows": rows} if rows is not None else {"chunksize": self.chunk_rows}),
        )

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


def _fast_then_text(
    reader: _FrameReader,
    text_types: dict,
    fast_types: dict,
    make_chunk: Callable[[pd.DataFrame, int], Chunk],
) -> Iterator[Chunk]:
    """Chunks read with the fast types; the chunk where a number fails is read again as text, then fast again."""
    has_fast_path = fast_types != text_types
    line = 2  # file line of the next row to read
    while True:
        try:
            for raw in reader.read(line, fast_types, None):
                yield make_chunk(raw, line)
                line += len(raw)
            return
        except ValueError as exc:
            if not has_fast_path or isinstance(exc, (pd.errors.ParserError, UnicodeDecodeError)):
                raise
        # A number column failed somewhere in the chunk starting at `line`.
        raw = reader.read(line, text_types, reader.chunk_rows)
        yield make_chunk(raw, line)
        line += len(raw)
        if len(raw) < reader.chunk_rows:
            return


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
