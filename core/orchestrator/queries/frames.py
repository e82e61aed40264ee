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


_cache: dict[tuple[str, int], DatasetFrames] = {}
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


def load_frames(repo: Repository, dataset_id: int, cache_key: str) -> DatasetFrames:
    key = (cache_key, dataset_id)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    import pandas as pd
    from sqlalchemy import select

    from core.db.models import HistoryRow, StoreRow

    ds = repo.dataset(dataset_id)  # NotFound when missing
    conn = repo.s.connection()
    hist_rows = conn.execute(
        select(HistoryRow.week_start, HistoryRow.store_id, HistoryRow.category, HistoryRow.quantity,
               HistoryRow.revenue, HistoryRow.days)
        .where(HistoryRow.dataset_id == dataset_id).order_by(HistoryRow.id)
    ).tuples().all()
    history = normalise_history(pd.DataFrame.from_records(
        hist_rows, columns=["week_start", "store_id", "category", "quantity", "revenue", "days"]))
    store_rows = conn.execute(
        select(*(getattr(StoreRow, c) for c in STORE_COLUMNS)).where(StoreRow.dataset_id == dataset_id)
        .order_by(StoreRow.id)
    ).tuples().all()
    stores = normalise_stores(pd.DataFrame.from_records(store_rows, columns=list(STORE_COLUMNS)))
    frames = DatasetFrames(history=history, stores=stores, store_ids=tuple(stores["store_id"]),
                           week_start=int(ds.week_start or 0), weekday_shares=ds.weekday_shares,
                           frequency=ds.frequency, column_map=ds.column_map)
    cache_put(cache_key, dataset_id, frames)
    return frames
