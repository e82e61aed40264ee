"""Where an upload's bytes come from: held in memory (a browser upload) or a file read in blocks.

A file is never read whole: its size is known from the file system before a byte is read (the
limit is checked on it), the checks that need the whole content (an empty file, a NUL byte, the
line of an invalid UTF-8 byte, where line N starts) read it block by block, and the parser reads
it in chunks (docs/planning-rules.md §3: the history format). A path must be a `pathlib.Path` (or
any os.PathLike); a `str` is refused as it always was, so file content passed as text is never
mistaken for a file name.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BLOCK = 1 << 23  # 8 MB per block read


@dataclass(frozen=True)
class Source:
    """Exactly one of `data` (bytes in memory) and `path` (a file read in blocks)."""

    data: bytes | None = None
    path: str | None = None

    def size(self) -> int:
        return len(self.data) if self.data is not None else os.stat(self.path or "").st_size

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else open(self.path or "", "rb")

    def head(self, n: int) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with self.open() as fh:
            return fh.read(n)

    def blocks(self, start: int = 0, block: int = BLOCK) -> Iterator[bytes]:
        if self.data is not None:
            for lo in range(start, len(self.data), block):
                yield self.data[lo: lo + block]
            return
        with self.open() as fh:
            fh.seek(start)
            while True:
                part = fh.read(block)
                if not part:
                    return
                yield part

    def digest(self) -> bytes:
        """sha256 of the content (what `hashlib.sha256(data).digest()` gives for the bytes)."""
        h = hashlib.sha256()
        for part in self.blocks():
            h.update(part)
        return h.digest()

    def find(self, needle: bytes, start: int = 0) -> tuple[int, int]:
        """(byte offset, 1-based line relative to `start`) of the first `needle` (one byte) at or after
        `start`, or (-1, 0)."""
        lines, offset = 1, start
        for part in self.blocks(start):
            at = part.find(needle)
            if at >= 0:
                return offset + at, lines + part.count(b"\n", 0, at)
            lines += part.count(b"\n")
            offset += len(part)
        return -1, 0

    def has_content(self, start: int = 0) -> bool:
        """Anything but whitespace after byte `start`."""
        return any(part.strip() for part in self.blocks(start))

    def line_offset(self, line: int) -> int:
        """Byte offset where 1-based file line `line` starts (the size when the file has fewer lines)."""
        wanted, seen, offset = line - 1, 0, 0
        for part in self.blocks():
            in_block = part.count(b"\n")
            if seen + in_block >= wanted:
                at = -1
                for _ in range(wanted - seen):
                    at = part.index(b"\n", at + 1)
                return offset + at + 1
            seen += in_block
            offset += len(part)
        return offset

    def first_bad_utf8(self) -> tuple[int, bytes] | None:
        """(1-based line, the offending byte) of the first byte that is not valid UTF-8, or None."""
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        lines = 1
        for part in self.blocks():
            try:
                decoder.decode(part)
            except UnicodeDecodeError as exc:
                # The decoder may still hold up to 3 bytes of the previous block (on this block's line).
                at = exc.start - (len(exc.object) - len(part))
                line = lines + part.count(b"\n", 0, at) if at > 0 else lines
                return line, bytes(exc.object[exc.start: exc.start + 1])
            lines += part.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return lines, bytes(exc.object[exc.start: exc.start + 1])
        return None


def as_source(data: object) -> Source | None:
    """The Source of bytes-like data or an os.PathLike; None for anything else (refused by the caller)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return Source(data=bytes(data))
    if isinstance(data, os.PathLike):
        return Source(path=os.fspath(data))  # type: ignore[arg-type]
    return None
