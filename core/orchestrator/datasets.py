"""Datasets: validated history + stores, stored as normalised weekly rows, loaded back as frames.

A dataset is immutable once imported, so its frames are cached per process by id.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from core.db.models import Dataset
from core.db.repository import Repository, sha256_of
from core.orchestrator.status import DatasetInfo, aware

STORE_COLUMNS = ("store_id", "avg_weekly_sales_12mo", "store_size_sqft", "median_income", "location_tier",
                 "fashion_tier", "store_format", "region")


@dataclass(frozen=True)
class DatasetFrames:
    history: Any  # pandas DataFrame (HistoryFrame)
    stores: Any  # pandas DataFrame (StoresFrame)
    store_ids: tuple[str, ...]


_cache: dict[tuple[str, int], DatasetFrames] = {}
_cache_lock = threading.Lock()


def dataset_info(ds: Dataset) -> DatasetInfo:
    return DatasetInfo(id=ds.id, label=ds.label, categories=list(ds.categories), stores=ds.n_stores,
                       weeks=ds.n_weeks, source=ds.source, history_start=ds.history_start,
                       history_end=ds.history_end, frequency=ds.frequency, warnings=list(ds.warnings or []),
                       created_at=aware(ds.created_at))


def content_hash(history: bytes, stores: bytes) -> str:
    return sha256_of(history, stores)


def import_into(repo: Repository, *, history: bytes, history_name: str, stores: bytes, stores_name: str,
                label: str | None, source: str) -> DatasetInfo:
    """Validate both files (IngestError before anything is written), then store rows in bulk."""
    from core.domain.errors import IngestError, Problem
    from core.domain.ingest import parse_history, parse_stores

    digest = content_hash(history, stores)
    existing = repo.dataset_by_hash(digest)
    if existing is not None:
        return dataset_info(existing)

    problems: list[Problem] = []
    hist = stores_up = None
    try:
        hist = parse_history(history, history_name)
    except IngestError as exc:
        problems.extend(exc.problems)
    try:
        stores_up = parse_stores(stores, stores_name)
    except IngestError as exc:
        problems.extend(exc.problems)
    if problems or hist is None or stores_up is None:
        raise IngestError(problems)
    frame = hist.frame
    known = set(stores_up.store_ids)
    unknown = sorted(set(frame["store_id"].astype(str)) - known)
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise IngestError([Problem(file=history_name, column="store_id",
                                   message=f"stores not in {stores_name}: {shown}")])

    hist_file = repo.add_raw_file("history", history_name, history)
    stores_file = repo.add_raw_file("stores", stores_name, stores)
    weeks = frame["week_start"]
    ds = Dataset(label=label or f"{history_name} + {stores_name}", source=source, content_hash=digest,
                 categories=sorted(str(c) for c in frame["category"].unique()), n_stores=len(known),
                 n_weeks=int(weeks.nunique()), history_start=weeks.min().date() if len(frame) else None,
                 history_end=(weeks.max().date() if len(frame) else None), frequency=hist.frequency,
                 warnings=list(hist.warnings) + list(stores_up.warnings), history_file_id=hist_file,
                 stores_file_id=stores_file)
    repo.s.add(ds)
    repo.s.flush()
    # Bulk insert of the weekly rows (a few tens of thousands for 3 years x 50 stores x 3 categories).
    revenue = frame["revenue"].astype(float)
    rows = [
        {"dataset_id": ds.id, "week_start": w.date(), "store_id": s, "category": c, "quantity": float(q),
         "revenue": (None if r != r else float(r)), "days": int(d)}
        for w, s, c, q, r, d in zip(frame["week_start"], frame["store_id"].astype(str), frame["category"].astype(str),
                                    frame["quantity"], revenue, frame["days"])
    ]
    repo.add_history_rows(rows)
    sf = stores_up.frame
    repo.add_store_rows([
        {"dataset_id": ds.id, **{c: (str(row[c]) if c in ("store_id", "location_tier", "fashion_tier",
                                                          "store_format", "region") else float(row[c]))
                                 for c in STORE_COLUMNS}}
        for row in sf.to_dict("records")
    ])
    return dataset_info(ds)


def load_frames(repo: Repository, dataset_id: int, cache_key: str) -> DatasetFrames:
    key = (cache_key, dataset_id)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    import pandas as pd
    from sqlalchemy import select

    from core.db.models import HistoryRow, StoreRow

    repo.dataset(dataset_id)  # NotFound when missing
    conn = repo.s.connection()
    hist_rows = conn.execute(
        select(HistoryRow.week_start, HistoryRow.store_id, HistoryRow.category, HistoryRow.quantity,
               HistoryRow.revenue, HistoryRow.days)
        .where(HistoryRow.dataset_id == dataset_id).order_by(HistoryRow.id)
    ).all()
    history = pd.DataFrame(hist_rows, columns=["week_start", "store_id", "category", "quantity", "revenue", "days"])
    history["week_start"] = pd.to_datetime(history["week_start"])
    history["quantity"] = history["quantity"].astype(float)
    history["revenue"] = pd.to_numeric(history["revenue"], errors="coerce").astype(float)
    history["days"] = history["days"].astype(int)
    store_rows = conn.execute(
        select(*(getattr(StoreRow, c) for c in STORE_COLUMNS)).where(StoreRow.dataset_id == dataset_id)
        .order_by(StoreRow.id)
    ).all()
    stores = pd.DataFrame(store_rows, columns=list(STORE_COLUMNS))
    frames = DatasetFrames(history=history, stores=stores, store_ids=tuple(stores["store_id"].astype(str)))
    with _cache_lock:
        _cache[key] = frames
    return frames
