"""Datasets: validated history + stores, stored as normalised weekly rows, loaded back as frames.

A dataset is immutable once imported, so its frames are cached per process by id.
"""

from __future__ import annotations

import json
from typing import Any

from core.db.models import Dataset
from core.db.repository import Repository
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


def content_hashes(history: Any, stores: Any, mapping: dict[str, Any] | None = None) -> list[str]:
    """The hashes the files can have, one per week-start day (a lost import race does not know the day)."""
    digests = _digests(history, stores)
    return [_hash(digests, day, mapping) for day in range(7)]


def dataset_mapping(mapping: dict[str, str] | None, stores_mapping: dict[str, str] | None) -> dict[str, Any] | None:
    """What a dataset's hash and record keep of the mappings its files were read with (None: none)."""
    if not mapping and not stores_mapping:
        return None
    return {"history": dict(mapping or {}), "stores": dict(stores_mapping if stores_mapping is not None
                                                           else mapping or {})}


def content_hash(history: Any, stores: Any, week_start: int = 0, mapping: dict[str, Any] | None = None) -> str:
    """Same files on another calendar, or read with another column mapping, are another dataset (other
    weekly rows); Monday without a mapping keeps the old hash. A file given by path is hashed in blocks
    (the same hash as its bytes)."""
    return _hash(_digests(history, stores), week_start, mapping)


def _digests(history: Any, stores: Any) -> list[bytes]:
    import hashlib

    from core.domain.ingest.source import as_source

    out = []
    for data in (history, stores):
        src = as_source(data)
        out.append(src.digest() if src is not None else hashlib.sha256(bytes(data)).digest())
    return out


def _hash(digests: list[bytes], week_start: int, mapping: dict[str, Any] | None) -> str:
    import hashlib

    # What core.db.repository.sha256_of gives for the parts: the sha256 of their sha256 digests.
    h = hashlib.sha256()
    for d in digests:
        h.update(d)
    if week_start != 0:
        h.update(hashlib.sha256(f"week_start={week_start}".encode()).digest())
    if mapping:
        h.update(hashlib.sha256(("map=" + json.dumps(mapping, sort_keys=True)).encode()).digest())
    return h.hexdigest()


def import_into(repo: Repository, *, history: Any, history_name: str, stores: bytes, stores_name: str,
                label: str | None, source: str, cache_key: str = "", week_start: int | None = 0,
                mapping: dict[str, str] | None = None, stores_mapping: dict[str, str] | None = None,
                max_history_bytes: int | None = None) -> DatasetInfo:
    """Validate both files (IngestError before anything is written), then store rows in bulk.

    `history` is the file's bytes or an os.PathLike, read in chunks and summed into weeks as it
    streams (docs/planning-rules.md §3); its weekly rows are written in batches (COPY on PostgreSQL),
    so memory follows the weekly result, not the rows read. `max_history_bytes` is the size limit
    (default: the browser cap for bytes, limits.MAX_HISTORY_FILE_BYTES for a path), checked before
    a byte is read. Weeks start on `week_start` (Monday = 0); None detects the day from weekly
    history dates. `mapping` {our column: theirs} reads files with their own column names
    (`stores_mapping`, when given, for the stores file); both are remembered for the files' layouts."""
    from core.domain.errors import IngestError, Problem
    from core.domain.ingest import scan_dataset
    from core.domain.ingest.source import Source, as_source

    src = as_source(history) or Source(data=b"")
    limit = history_limit(history, max_history_bytes)
    check_history_size(history, history_name, limit)
    both = dataset_mapping(mapping, stores_mapping)
    digests = _digests(history, stores)  # a file is read once for its hash, whatever the week start
    if week_start is not None:
        existing = repo.dataset_by_hash(_hash(digests, week_start, both))
        if existing is not None:
            remember_layouts(repo, src.head(65536), stores, mapping, stores_mapping)
            return dataset_info(existing)

    hist, stores_up = scan_dataset(history, history_name, stores, stores_name, week_start=week_start,
                                   mapping=mapping, stores_mapping=stores_mapping, max_history_bytes=limit)
    digest = _hash(digests, hist.week_start, both)
    if week_start is None:  # the day was only known after reading the dates
        existing = repo.dataset_by_hash(digest)
        if existing is not None:
            return dataset_info(existing)
    known = set(stores_up.store_ids)
    unknown = sorted(set(hist.stores()) - known)
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise IngestError([Problem(file=history_name, column="store_id",
                                   message=f"stores not in {stores_name}: {shown}")])

    hist_file = (repo.add_raw_file("history", history_name, src.data) if src.data is not None
                 else repo.add_raw_file_parts("history", history_name, src.blocks()))
    stores_file = repo.add_raw_file("stores", stores_name, stores)
    first_week, last_week, n_weeks = hist.week_range()
    totals = hist.category_totals()
    ds = Dataset(label=dataset_label(label, history_name, stores_name), source=source, content_hash=digest,
                 categories=[c for c, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))],
                 n_stores=len(known), n_weeks=n_weeks, history_start=first_week, history_end=last_week,
                 frequency=hist.frequency, warnings=list(hist.warnings) + list(stores_up.warnings),
                 history_file_id=hist_file, stores_file_id=stores_file, week_start=hist.week_start,
                 detected_week_start=hist.detected_week_start, weekday_shares=hist.weekday_shares,
                 column_map=dict(mapping) if mapping else None)
    repo.s.add(ds)
    repo.s.flush()
    remember_layouts(repo, src.head(65536), stores, mapping, stores_mapping)
    kept = _store_history(repo, ds.id, hist)
    sf = stores_up.frame
    repo.add_store_rows([{"dataset_id": ds.id, **{c: _store_value(c, row[c]) for c in STORE_COLUMNS}}
                         for row in sf.to_dict("records")])
    if kept is not None:
        stores_frame = normalise_stores(sf)
        cache_put(cache_key, ds.id, DatasetFrames(history=kept, stores=stores_frame,
                                                  store_ids=tuple(stores_frame["store_id"]), week_start=ds.week_start,
                                                  weekday_shares=ds.weekday_shares, frequency=ds.frequency,
                                                  column_map=ds.column_map))
    return dataset_info(ds)


# A history of up to this many weekly rows (about 3,000 stores x 3 categories x 3 years) is also kept
# in the process's frame cache after its import; a larger one is read back by query when needed.
CACHE_ROWS = 1_500_000
BATCH_ROWS = 100_000


def _store_history(repo: Repository, dataset_id: int, hist: Any) -> Any:
    """Write the weekly rows in batches, and each category's columnar copy (a season reads that back in
    one read); the whole normalised frame when it is small enough to cache."""
    import pandas as pd

    from core.db.bulk import insert_frames

    keep = hist.sums.present()[0].size <= CACHE_ROWS
    kept: list[Any] = []
    columns = _Columns()

    def batches() -> Any:
        for part in hist.batches(BATCH_ROWS):
            frame = normalise_history(part)
            if keep:
                kept.append(frame)
            columns.feed(frame)
            yield frame.assign(dataset_id=dataset_id)

    # Straight through the driver (COPY / executemany): the ORM bulk path costs ~10x more per row.
    conn = repo.s.connection()
    insert_frames(conn, "dataset_history",
                  ("dataset_id", "week_start", "store_id", "category", "quantity", "revenue", "days"), batches())
    columns.flush()
    _write_columns(conn, dataset_id, columns.blobs)
    if not keep:
        return None
    if not kept:
        return normalise_history(hist.frame())
    return kept[0] if len(kept) == 1 else pd.concat(kept, ignore_index=True)


class _Columns:
    """Each category's rows (the batches come in category order), encoded when the category ends."""

    def __init__(self) -> None:
        self.category: str | None = None
        self.parts: list[Any] = []
        self.blobs: list[tuple[str, bytes]] = []

    def feed(self, frame: Any) -> None:
        import numpy as np

        cats = frame["category"].to_numpy(dtype=object)
        starts = [0, *(np.flatnonzero(cats[1:] != cats[:-1]) + 1).tolist(), len(cats)]
        for a, b in zip(starts[:-1], starts[1:]):
            if cats[a] != self.category:
                self.flush()
                self.category = str(cats[a])
            self.parts.append(frame.iloc[a:b])

    def flush(self) -> None:
        import pandas as pd

        from core.orchestrator.queries.frames import encode_columns

        if self.category is not None and self.parts:
            whole = self.parts[0] if len(self.parts) == 1 else pd.concat(self.parts, ignore_index=True)
            self.blobs.append((self.category, encode_columns(whole)))
        self.parts = []


def _write_columns(conn: Any, dataset_id: int, blobs: list[tuple[str, bytes]]) -> None:
    from sqlalchemy import insert

    from core.db.models import HistoryColumns, table_of

    for category, content in blobs:
        conn.execute(insert(table_of(HistoryColumns)), {"dataset_id": dataset_id, "category": category,
                                                        "content": content})


def history_limit(history: Any, max_bytes: int | None) -> int:
    """The size limit of a history: given, or the browser cap for bytes and the file cap for a path."""
    from core.domain.ingest import limits

    if max_bytes is not None:
        return max_bytes
    return limits.MAX_HISTORY_BYTES if isinstance(history, (bytes, bytearray, memoryview)) else \
        limits.history_file_limit()


def check_history_size(history: Any, history_name: str, limit: int) -> None:
    """IngestError for a history over `limit`, from its size alone (nothing read, nothing hashed)."""
    from core.domain.ingest.csv_reading import too_big
    from core.domain.ingest.source import as_source

    src = as_source(history)
    if src is not None and src.size() > limit:
        raise too_big(history_name, src.size(), limit, "history")


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
