"""Bulk loading of many rows: PostgreSQL COPY, SQLite executemany in batches.

The rows come as an iterable of pandas DataFrames (columns in the table's order), so a caller
streaming a large file never holds more than one batch; each batch is written before the next is
asked for. Values: text, floats (NaN is NULL), integers, and days as datetime64 (written as ISO dates).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

BACKSLASH = chr(92)


def insert_frames(connection: Any, table: str, columns: Sequence[str], frames: Iterable[Any]) -> int:
    """Insert every frame into `table` (a SQLAlchemy Connection in the caller's transaction); row count."""
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, columns, frames)
    style = connection.dialect.paramstyle
    marks = ", ".join("?" if style == "qmark" else "%s" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    n = 0
    for frame in frames:
        if len(frame):
            connection.exec_driver_sql(sql, _tuples(frame[list(columns)]))
            n += len(frame)
    return n


def _tuples(frame: Any) -> list[tuple]:
    import numpy as np

    cols = []
    for name in frame.columns:
        values = frame[name].to_numpy()
        if values.dtype.kind == "M":  # days as ISO text, each distinct day formatted once (SQLite keeps dates so)
            days, inverse = np.unique(values.astype("datetime64[D]"), return_inverse=True)
            cols.append(np.asarray(np.datetime_as_string(days, unit="D"), dtype=object)[inverse].tolist())
        elif values.dtype.kind == "f" and np.isnan(values).any():
            cols.append([None if v != v else v for v in values.tolist()])
        else:
            cols.append(values.tolist())
    return list(zip(*cols))


def _copy(connection: Any, table: str, columns: Sequence[str], frames: Iterable[Any]) -> int:
    """COPY ... FROM STDIN in text format, one write per frame (psycopg 3), the text built by pandas."""
    cursor = connection.connection.driver_connection.cursor()
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for frame in frames:
            if len(frame):
                copy.write(_copy_text(frame[list(columns)]))
                n += len(frame)
    return n


def _copy_text(frame: Any) -> str:
    """COPY text rows: tab-separated, NULL as \\N, backslashes escaped; floats in their shortest exact form.

    Text cells never hold a tab, a line break or another control character (ingestion refuses them),
    so no quoting is needed; a backslash is doubled as COPY requires."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype.kind == "M":
            out[name] = out[name].dt.strftime("%Y-%m-%d")
        elif out[name].dtype == object and out[name].astype(str).str.contains(BACKSLASH, regex=False).any():
            out[name] = out[name].astype(str).str.replace(BACKSLASH, 2 * BACKSLASH, regex=False)
    return out.to_csv(sep="\t", header=False, index=False, na_rep="\\N", quoting=csv.QUOTE_NONE,
                      quotechar="\x01", lineterminator="\n")
