"""Datasets: validated history + stores, stored as normalised weekly rows, loaded back as frames.

A dataset is immutable once imported, so its frames are cached per process by id.
"""

from __future__ import annotations

import json
from typing import Any

from core.db.models import Dataset
from core.db.repository import Repository, sha256_of
from core.domain.categories import categories_by_sales
from core.orchestrator.commands.labels import dataset_label
from core.orchestrator.queries.frames import (
    TEXT_STORE_COLUMNS,
    STORE_COLUMNS,
    DatasetFrames,
    cache_put,
    normalise_history,
    normalise_stores,
)
from core.orchestrator.queries.status import DatasetInfo, aware

def dataset_info(ds: Dataset) -> DatasetInfo:
    from core.domain.calendar import WEEKDAYS

    detected = ds.detected_week_start
    return DatasetInfo(id=ds.id, label=ds.label, categories=list(ds.categories), stores=ds.n_stores,
                       weeks=ds.n_weeks, source=ds.source, history_start=ds.history_start,
                       history_end=ds.history_end, frequency=ds.frequency, warnings=list(ds.warnings or []),
                       created_at=aware(ds.created_at), week_start=WEEKDAYS[int(ds.week_start or 0)],
                       detected_week_start=WEEKDAYS[int(detected)] if detected is not None else None,
                       column_map=dict(ds.column_map) if ds.column_map else None)


def content_hashes(history: bytes, stores: bytes, mapping: dict[str, Any] | None = None) -> list[str]:
    """The hashes the files can have, one per week-start day (a lost import race does not know the day)."""
    return [content_hash(history, stores, day, mapping) for day in range(7)]


def dataset_mapping(mapping: dict[str, str] | None, stores_mapping: dict[str, str] | None) -> dict[str, Any] | None:
    """What a dataset's hash and record keep of the mappings its files were read with (None: none)."""
    if not mapping and not stores_mapping:
        return None
    return {"history": dict(mapping or {}), "stores": dict(stores_mapping if stores_mapping is not None
                                                           else mapping or {})}


def content_hash(history: bytes, stores: bytes, week_start: int = 0, mapping: dict[str, Any] | None = None) -> str:
    """Same files on another calendar, or read with another column mapping, are another dataset (other
    weekly rows); Monday without a mapping keeps the old hash."""
    parts = [history, stores]
    if week_start != 0:
        parts.append(f"week_start={week_start}".encode())
    if mapping:
        parts.append(("map=" + json.dumps(mapping, sort_keys=True)).encode())
    return sha256_of(*parts)


def import_into(repo: Repository, *, history: bytes, history_name: str, stores: bytes, stores_name: str,
                label: str | None, source: str, cache_key: str = "", week_start: int | None = 0,
                mapping: dict[str, str] | None = None, stores_mapping: dict[str, str] | None = None) -> DatasetInfo:
    """Validate both files (IngestError before anything is written), then store rows in bulk.

    Weeks start on `week_start` (Monday = 0); None detects the day from weekly history dates.
    `mapping` {our column: theirs} reads files with their own column names (`stores_mapping`, when
    given, for the stores file); both are remembered for the files' layouts."""
    from core.domain.errors import IngestError, Problem
    from core.domain.ingest import parse_dataset

    both = dataset_mapping(mapping, stores_mapping)
    if week_start is not None:
        existing = repo.dataset_by_hash(content_hash(history, stores, week_start, both))
        if existing is not None:
            remember_layouts(repo, history, stores, mapping, stores_mapping)
            return dataset_info(existing)

    hist, stores_up = parse_dataset(history, history_name, stores, stores_name, week_start=week_start,
                                    mapping=mapping, stores_mapping=stores_mapping)
    digest = content_hash(history, stores, hist.week_start, both)
    if week_start is None:  # the day was only known after reading the dates
        existing = repo.dataset_by_hash(digest)
        if existing is not None:
            return dataset_info(existing)
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
    ds = Dataset(label=dataset_label(label, history_name, stores_name), source=source, content_hash=digest,
                 categories=categories_by_sales(frame), n_stores=len(known),
                 n_weeks=int(weeks.nunique()), history_start=weeks.min().date() if len(frame) else None,
                 history_end=(weeks.max().date() if len(frame) else None), frequency=hist.frequency,
                 warnings=list(hist.warnings) + list(stores_up.warnings), history_file_id=hist_file,
                 stores_file_id=stores_file, week_start=hist.week_start,
                 detected_week_start=hist.detected_week_start, weekday_shares=hist.weekday_shares,
                 column_map=dict(mapping) if mapping else None)
    repo.s.add(ds)
    repo.s.flush()
    remember_layouts(repo, history, stores, mapping, stores_mapping)
    history_frame = normalise_history(frame)
    del hist, frame
    # Bulk insert straight through the driver's executemany: the ORM bulk path costs ~10x more
    # per row, which matters for large histories (hundreds of thousands of weekly rows).
    _executemany(repo, "dataset_history", ("dataset_id", "week_start", "store_id", "category", "quantity", "revenue",
                                           "days"), _history_tuples(ds.id, history_frame))
    sf = stores_up.frame
    repo.add_store_rows([{"dataset_id": ds.id, **{c: _store_value(c, row[c]) for c in STORE_COLUMNS}}
                         for row in sf.to_dict("records")])
    stores_frame = normalise_stores(sf)
    cache_put(cache_key, ds.id, DatasetFrames(history=history_frame, stores=stores_frame,
                                              store_ids=tuple(stores_frame["store_id"]), week_start=ds.week_start,
                                              weekday_shares=ds.weekday_shares, frequency=ds.frequency,
                                              column_map=ds.column_map))
    return dataset_info(ds)


def remember_layouts(repo: Repository, history: bytes, stores: bytes, mapping: dict[str, str] | None,
                     stores_mapping: dict[str, str] | None) -> None:
    """Each file's mapping remembered for its header, so the next file laid out the same way needs none."""
    from core.domain.ingest.mapping import for_kind, header_names, layout_key

    for kind, data, given in (("history", history, mapping),
                              ("stores", stores, mapping if stores_mapping is None else stores_mapping)):
        used = for_kind(given, kind)
        names = header_names(data)
        if used and names:
            repo.remember_column_mapping(layout_key(kind, names), kind, names, used)
            if kind == "history":  # week files exported like the history share its layout
                repo.remember_column_mapping(layout_key("actuals", names), "actuals", names,
                                             for_kind(given, "actuals"))


def _store_value(column: str, value: Any) -> Any:
    """A stores cell as stored: None where the stores file has no such column (only store_id is required)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value) if column in TEXT_STORE_COLUMNS else float(value)


def _history_tuples(dataset_id: int, frame: Any) -> list[tuple]:
    import numpy as np

    weeks = frame["week_start"].dt.date.tolist()
    revenue = frame["revenue"].to_numpy(dtype=float)
    rev = [None if r != r else r for r in revenue.tolist()] if np.isnan(revenue).any() else revenue.tolist()
    return list(zip([dataset_id] * len(frame), weeks, frame["store_id"].tolist(), frame["category"].tolist(),
                    frame["quantity"].astype(float).tolist(), rev, frame["days"].astype(int).tolist()))


def _executemany(repo: Repository, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    conn = repo.s.connection()
    style = conn.dialect.paramstyle
    marks = ", ".join("?" if style == "qmark" else "%s" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, rows)


