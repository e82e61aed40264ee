"""A full, order-independent dump of every table: the yardstick for "the database did not change"."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

# Reflection is the slow part of a dump; the schema never changes during a test, so reflect once per URL.
_reflected: dict[str, tuple[sa.Engine, list[sa.Table]]] = {}


def _cell(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(value).hex())
    return value


def _tables(url: str) -> tuple[sa.Engine, list[sa.Table]]:
    if url not in _reflected:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        meta = sa.MetaData()
        meta.reflect(bind=engine)
        _reflected[url] = (engine, [meta.tables[name] for name in sorted(meta.tables)])
    return _reflected[url]


def dump(url: str) -> dict[str, list[str]]:
    """table -> every row rendered as text, sorted. Compares equal iff no row was added, removed or changed."""
    engine, tables = _tables(url)
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for t in tables:
            out[t.name] = sorted(repr(tuple(_cell(v) for v in row)) for row in conn.execute(sa.select(t)))
    return out


def counts(url: str) -> dict[str, int]:
    return {table: len(rows) for table, rows in dump(url).items()}


def forget(url: str) -> None:
    entry = _reflected.pop(url, None)
    if entry is not None:
        entry[0].dispose()
