"""A dataset's two files checked together (docs/planning-rules.md §3): every problem of both in one rejection."""

from __future__ import annotations

from collections.abc import Mapping

from core.domain.errors import IngestError, Problem
from core.domain.ingest.history import HistoryScan, HistoryUpload, scan_history
from core.domain.ingest.stores import StoresUpload, parse_stores


def parse_dataset(history: object, history_name: str, stores: bytes, stores_name: str, *,
                  week_start: int | None = None, mapping: Mapping[str, str] | None = None,
                  stores_mapping: Mapping[str, str] | None = None,
                  max_history_bytes: int | None = None) -> tuple[HistoryUpload, StoresUpload]:
    """Both files parsed; IngestError listing the problems of both when either is rejected.

    `mapping` {our column: theirs} applies to both files; `stores_mapping`, when given, to the stores file."""
    hist, st = scan_dataset(history, history_name, stores, stores_name, week_start=week_start, mapping=mapping,
                            stores_mapping=stores_mapping, max_history_bytes=max_history_bytes)
    return hist.upload(), st


def scan_dataset(history: object, history_name: str, stores: bytes, stores_name: str, *,
                 week_start: int | None = None, mapping: Mapping[str, str] | None = None,
                 stores_mapping: Mapping[str, str] | None = None,
                 max_history_bytes: int | None = None) -> tuple[HistoryScan, StoresUpload]:
    """`parse_dataset` with the history left as weekly sums (`HistoryScan`): nothing the size of the file."""
    problems: list[Problem] = []
    hist = st = None
    try:
        hist = scan_history(history, history_name, week_start=week_start, mapping=mapping,
                            max_bytes=max_history_bytes)
    except IngestError as exc:
        problems.extend(exc.problems)
    try:
        st = parse_stores(stores, stores_name, mapping=mapping if stores_mapping is None else stores_mapping)
    except IngestError as exc:
        problems.extend(exc.problems)
    if problems or hist is None or st is None:
        raise IngestError(problems)
    return hist, st
