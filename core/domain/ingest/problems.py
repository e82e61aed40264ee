"""Problems found in an upload: collected per file, capped, and raised as one IngestError."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.domain.errors import IngestError, Problem
from core.domain.ingest import limits


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
