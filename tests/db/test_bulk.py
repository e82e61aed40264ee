"""Bulk loading (COPY on PostgreSQL, executemany on SQLite) stores text, NULL and floats exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from core.db.bulk import insert_frames

ROWS = pd.DataFrame({
    "day": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]).astype("datetime64[ns]"),
    "label": ['Men\'s "Best" \\ Shirts', "Dresses", "a\\\\b"],
    "value": [0.1 + 0.2, np.nan, 1e-300],
    "n": np.array([1, 2, 3], dtype=np.int64),
})


def _round_trip(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bulk_t (day DATE, label VARCHAR(200), value FLOAT, n INTEGER)"))
        assert insert_frames(conn, "bulk_t", ("day", "label", "value", "n"), [ROWS.iloc[:2], ROWS.iloc[2:]]) == 3
        got = conn.execute(text("SELECT day, label, value, n FROM bulk_t ORDER BY n")).all()
    engine.dispose()
    assert [str(r[0]) for r in got] == ["2024-01-01", "2024-01-08", "2024-01-15"]
    assert [r[1] for r in got] == list(ROWS["label"])
    assert got[0][2] == 0.1 + 0.2 and got[1][2] is None and got[2][2] == 1e-300
    assert [r[3] for r in got] == [1, 2, 3]


def test_executemany_on_sqlite(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'b.db'}")


@pytest.mark.postgres
def test_copy_on_postgresql(pg_url: str) -> None:
    _round_trip(pg_url)
