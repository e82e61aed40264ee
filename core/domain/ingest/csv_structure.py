"""Opening a CSV upload: size, encoding and delimiter sniffed from its first bytes, then its columns matched.

Nothing but the first block of the file is read here; the rows are read later in chunks
(core/domain/ingest/csv_chunks.py).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.domain.errors import IngestError, Problem
from core.domain.ingest.csv_chunks import CsvFile
from core.domain.ingest.problems import reject, show, too_big
from core.domain.ingest.source import Source, as_source

UTF8_BOM = b"\xef\xbb\xbf"
_HEAD_BYTES = 1 << 22  # the header row is found in the first 4 MB


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()


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
    _reject_non_text(source, body, skip, filename, what)
    names = _header_names(body, filename)
    expected = ", ".join(s.name if s.required else f"[{s.name}]" for s in specs)
    _reject_other_delimiters(names, expected, filename)
    columns, labels, problems = _match_columns(names, specs, dict(mapping or {}), expected, filename)
    problems += _overlapping_columns(names, columns, filename)
    if problems:
        raise IngestError(problems)
    return CsvFile(source=source, filename=filename, names=names, columns=columns, labels=labels)


def _reject_non_text(source: Source, body: bytes, skip: int, filename: str, what: str) -> None:
    """Raise when the file is empty, a workbook, UTF-16 or binary, or holds a NUL byte."""
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


def _header_names(body: bytes, filename: str) -> list[str]:
    """The header's column names, trimmed; the header must be line 1."""
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
        return [n.strip() for n in next(csv.reader([header_text]))]
    except (csv.Error, StopIteration):
        raise reject(filename, "the header row could not be read", row=1) from None


def _reject_other_delimiters(names: list[str], expected: str, filename: str) -> None:
    """A header read as one column that holds semicolons, tabs or '|' was saved with another delimiter."""
    if len(names) != 1:
        return
    for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
        if sep in names[0]:
            raise reject(
                filename,
                f"expected comma-separated columns ({expected}) but the header is separated by "
                f"{label}; save the file as comma-separated CSV",
                row=1,
            )


def _match_columns(
    names: list[str], specs: Sequence[ColumnSpec], mapping: dict[str, str], expected: str, filename: str
) -> tuple[dict[str, int], dict[str, str], list[Problem]]:
    """Each spec's position in the header (mapped name first, then ours and its aliases, any case),
    the file's own names of mapped columns, and a problem per missing required column."""
    folded = [n.casefold() for n in names]
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for spec in specs:
        theirs = mapping.get(spec.name)
        candidates = ([theirs] if theirs else []) + [spec.name, *spec.aliases]
        pos = next((folded.index(c.casefold()) for c in candidates if c.casefold() in folded), None)
        if pos is None:
            if spec.required:
                problems.append(_missing_column(names, spec, theirs, expected, filename))
            continue
        columns[spec.name] = pos
        if theirs and names[pos].casefold() == theirs.casefold() and theirs.casefold() != spec.name.casefold():
            labels[spec.name] = names[pos]
    return columns, labels, problems


def _missing_column(
    names: list[str], spec: ColumnSpec, theirs: str | None, expected: str, filename: str
) -> Problem:
    wanted = f"'{theirs}' (mapped to {spec.name})" if theirs else f"'{spec.name}'"
    return Problem(
        file=filename,
        row=1,
        column=theirs or spec.name,
        message=f"missing column {wanted}; the header has {', '.join(map(show, names))}; "
        f"expected {expected}" + ("" if theirs else "; map your own column names to ours "
                                  "(Plan page: column mapping; command line: --map "
                                  f"{spec.name}=YOUR_COLUMN)"),
    )


def _overlapping_columns(names: list[str], columns: dict[str, int], filename: str) -> list[Problem]:
    """A file column matched by two of ours, and a used column name that appears twice."""
    folded = [n.casefold() for n in names]
    problems: list[Problem] = []
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
    return problems
