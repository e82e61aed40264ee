"""Bulk loading of many rows: PostgreSQL COPY, SQLite executemany in batches.

The rows come as an iterable of batches (lists of tuples), so a caller streaming a large file
never holds more than one batch; each batch is written before the next is asked for.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any


def insert_rows(connection: Any, table: str, columns: Sequence[str], batches: Iterable[list[tuple]]) -> int:
    """Insert every batch into `table` (a SQLAlchemy Connection in the caller's transaction); row count."""
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, columns, batches)
    style = connection.dialect.paramstyle
    marks = ", ".join("?" if style == "qmark" else "%s" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    n = 0
    for batch in batches:
        if batch:
            connection.exec_driver_sql(sql, batch)
            n += len(batch)
    return n


def _copy(connection: Any, table: str, columns: Sequence[str], batches: Iterable[list[tuple]]) -> int:
    """COPY ... FROM STDIN in text format, one write per batch (psycopg 3)."""
    cursor = connection.connection.driver_connection.cursor()
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for batch in batches:
            if batch:
                copy.write(_copy_text(batch))
                n += len(batch)
    return n


def _copy_text(batch: list[tuple]) -> str:
    out = io.StringIO()
    for row in batch:
        out.write("\t".join(_copy_value(v) for v in row))
        out.write("\n")
    return out.getvalue()


def _copy_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\\N"
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same double
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text
