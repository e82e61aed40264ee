"""A dataset's frames read back from its stored rows: the read half of a dataset.

A dataset is immutable once imported, so its frames are cached per process by (database, id).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from core.db.repository import Repository

STORE_COLUMNS = ("store_id", "avg_weekly_sales_12mo", "store_size_sqft", "median_income", "location_tier",
                 "fashion_tier", "store_format", "region")
TEXT_STORE_COLUMNS = ("store_id", "location_tier", "fashion_tier", "store_format", "region")



@dataclass(frozen=True)
class DatasetFrames:
    history: Any  # pandas DataFrame (HistoryFrame)
    stores: Any  # pandas DataFrame (StoresFrame)
    store_ids: tuple[str, ...]
    week_start: int = 0  # weekday the dataset's weeks start on (Monday = 0)
    weekday_shares: dict[str, list[float]] | None = None  # {category: shares Monday..Sunday}, daily data only
    frequency: str | None = None  # "weekly": its week uploads are weekly totals, one row per store
    column_map: dict[str, str] | None = None  # {our column: theirs} its files were read with


# Keyed (cache key, dataset id) for a whole dataset, (cache key, dataset id, category) for one category's rows.
_cache: dict[tuple[str, int] | tuple[str, int, str], DatasetFrames] = {}
_cache_lock = threading.Lock()


def normalise_history(frame: Any) -> Any:
    """The same dtypes whether a frame was just parsed or read back from the database, so a step
    computes the same numbers in the process that imported the data and in any later one."""
    import pandas as pd

    out = pd.DataFrame({
        "week_start": pd.to_datetime(frame["week_start"]).astype("datetime64[ns]"),
        "store_id": frame["store_id"].astype(str).to_numpy(dtype=object),
        "category": frame["category"].astype(str).to_numpy(dtype=object),
        "quantity": pd.to_numeric(frame["quantity"]).astype(float).to_numpy(),
        "revenue": pd.to_numeric(frame["revenue"], errors="coerce").astype(float).to_numpy(),
        "days": pd.to_numeric(frame["days"]).astype(int).to_numpy(),
    })
    return out


def normalise_stores(frame: Any) -> Any:
    import pandas as pd

    data = {}
    for c in STORE_COLUMNS:
        if c in TEXT_STORE_COLUMNS:
            data[c] = frame[c].map(lambda v: None if v is None or v != v else str(v)).to_numpy(dtype=object)
        else:
            data[c] = pd.to_numeric(frame[c], errors="coerce").astype(float).to_numpy()
    return pd.DataFrame(data)


def cache_put(cache_key: str, dataset_id: int, frames: DatasetFrames) -> None:
    with _cache_lock:
        _cache[(cache_key, dataset_id)] = frames


def load_frames(repo: Repository, dataset_id: int, cache_key: str, *, category: str | None = None) -> DatasetFrames:
    """A dataset's frames; with `category`, the history holds only that category's rows (a workflow's
    steps read nothing else), read by query in batches: a 10,000-store dataset's three categories are
    never all in memory for one season. When that category has no revenue, every category is read:
    the price then falls back on the whole history (docs/planning-rules.md §6, money)."""
    if category is not None:
        hit = _cached(cache_key, dataset_id, None)  # the whole dataset, when the import kept it
        if hit is not None:
            return hit
    hit = _cached(cache_key, dataset_id, category)
    if hit is not None:
        return hit
    from sqlalchemy import select

    from core.db.models import StoreRow

    ds = repo.dataset(dataset_id)  # NotFound when missing
    conn = repo.s.connection()
    history = _read_columns(conn, dataset_id, category) if category is not None else None
    if history is None:
        history = read_history(conn, dataset_id, category)
    if category is not None and not _has_revenue(history):
        return load_frames(repo, dataset_id, cache_key)
    store_rows = conn.execute(
        select(*(getattr(StoreRow, c) for c in STORE_COLUMNS)).where(StoreRow.dataset_id == dataset_id)
        .order_by(StoreRow.id)
    ).tuples().all()
    import pandas as pd

    stores = normalise_stores(pd.DataFrame.from_records(store_rows, columns=list(STORE_COLUMNS)))
    frames = DatasetFrames(history=history, stores=stores, store_ids=tuple(stores["store_id"]),
                           week_start=int(ds.week_start or 0), weekday_shares=ds.weekday_shares,
                           frequency=ds.frequency, column_map=ds.column_map)
    with _cache_lock:
        _cache[(cache_key, dataset_id) if category is None else (cache_key, dataset_id, category)] = frames
    return frames


def encode_columns(frame: Any) -> bytes:
    """One category's normalised HistoryFrame rows as an .npz (day numbers, store codes and names, units,
    revenue, days): what `decode_columns` reads back to the same frame."""
    import io

    import numpy as np
    import pandas as pd

    codes, stores = pd.factorize(frame["store_id"].to_numpy(dtype=object))
    buf = io.BytesIO()
    np.savez(buf, week=frame["week_start"].to_numpy().astype("datetime64[D]").astype(np.int64),
             store=codes.astype(np.int32), stores=np.asarray(stores, dtype=str),
             quantity=frame["quantity"].to_numpy(dtype=float), revenue=frame["revenue"].to_numpy(dtype=float),
             days=frame["days"].to_numpy(dtype=np.int64))
    return buf.getvalue()


def decode_columns(content: bytes, category: str) -> Any:
    import io

    import numpy as np
    import pandas as pd

    with np.load(io.BytesIO(content), allow_pickle=False) as z:
        stores = z["stores"].astype(object)
        frame = pd.DataFrame({
            "week_start": z["week"].astype("datetime64[D]").astype("datetime64[ns]"),
            "store_id": stores[z["store"]],
            "category": np.full(len(z["store"]), category, dtype=object),
            "quantity": z["quantity"], "revenue": z["revenue"], "days": z["days"],
        })
    return normalise_history(frame)


def _read_columns(conn: Any, dataset_id: int, category: str) -> Any:
    """The category's frame from its columnar copy, or None (datasets imported before it existed)."""
    from sqlalchemy import select

    from core.db.models import HistoryColumns

    content = conn.execute(select(HistoryColumns.content).where(
        HistoryColumns.dataset_id == dataset_id, HistoryColumns.category == category)).scalar()
    return None if content is None else decode_columns(bytes(content), category)


def _cached(cache_key: str, dataset_id: int, category: str | None) -> DatasetFrames | None:
    key = (cache_key, dataset_id) if category is None else (cache_key, dataset_id, category)
    with _cache_lock:
        return _cache.get(key)


def _has_revenue(history: Any) -> bool:
    return bool((history["revenue"].notna() & (history["quantity"] > 0)).any())


HISTORY_BATCH = 200_000


def read_history(conn: Any, dataset_id: int, category: str | None = None) -> Any:
    """The HistoryFrame of a dataset (of one category), in stored order, read `HISTORY_BATCH` rows at a
    time into column arrays: no Python tuple per row is kept, each distinct store id and category is
    one string object."""
    import numpy as np
    import pandas as pd

    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    where = f"dataset_id = {mark}" + (f" AND category = {mark}" if category is not None else "")
    # One category's rows all name it: it is not read back 1.5 million times.
    named = "category" if category is None else "NULL"
    sql = (f"SELECT week_start, store_id, {named}, quantity, revenue, days FROM dataset_history WHERE {where} "
           "ORDER BY id")
    args = (dataset_id,) if category is None else (dataset_id, category)
    # The driver's own cursor: its tuples go straight into column arrays (SQLAlchemy's Row per row cost
    # as much as the read); PostgreSQL streams through a server-side cursor in the open transaction.
    raw = conn.connection.driver_connection
    cursor = raw.cursor(name="season_planner_history") if conn.dialect.name == "postgresql" else raw.cursor()
    parts: list[Any] = []
    names: dict[str, str] = {}
    days_of: dict[Any, Any] = {}

    def shared(values: tuple, cache: dict, convert: Any = None) -> Any:
        """Each distinct value converted once; rows point at the one object (hashing in C)."""
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        mapped = np.empty(len(uniques), dtype=object)
        for k, u in enumerate(uniques):
            mapped[k] = cache.setdefault(u, u if convert is None else convert(u))
        return mapped[codes]

    try:
        cursor.execute(sql, args)
        while True:
            rows = cursor.fetchmany(HISTORY_BATCH)
            if not rows:
                break
            week, store, cat, qty, rev, days = zip(*rows)
            parts.append(pd.DataFrame({
                # SQLite gives 'YYYY-MM-DD' text, PostgreSQL a date: the same day either way
                "week_start": shared(week, days_of, lambda d: np.datetime64(str(d), "D")).astype("datetime64[ns]"),
                "store_id": shared(store, names),
                "category": shared(cat, names) if category is None else np.full(len(store), category, dtype=object),
                "quantity": np.array(qty, dtype=float),
                "revenue": np.array(rev, dtype=float),  # None (no revenue) reads as NaN
                "days": np.array(days, dtype=np.int64),
            }))
            del rows, week, store, cat, qty, rev, days
    finally:
        cursor.close()
    if not parts:
        return normalise_history(pd.DataFrame({c: [] for c in ("week_start", "store_id", "category", "quantity",
                                                               "revenue", "days")}))
    return normalise_history(parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True))
