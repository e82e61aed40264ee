"""CSV validation -> normalised frames, or IngestError listing every problem (docs/planning-rules.md §3)."""

from core.domain.ingest.actuals import ACTUALS_COLUMNS, ActualsUpload, parse_actuals
from core.domain.ingest.dataset import parse_dataset, scan_dataset
from core.domain.ingest.history import (
    HISTORY_COLUMNS,
    HISTORY_FRAME_COLUMNS,
    HistoryScan,
    HistoryUpload,
    parse_history,
    scan_history,
)
from core.domain.ingest.stores import (
    FASHION_TIERS,
    LOCATION_TIERS,
    REGIONS,
    STORE_ENUMS,
    STORE_FORMATS,
    STORES_FRAME_COLUMNS,
    StoresUpload,
    parse_stores,
)

__all__ = [
    "ACTUALS_COLUMNS",
    "ActualsUpload",
    "FASHION_TIERS",
    "HISTORY_COLUMNS",
    "HISTORY_FRAME_COLUMNS",
    "HistoryScan",
    "HistoryUpload",
    "LOCATION_TIERS",
    "REGIONS",
    "STORES_FRAME_COLUMNS",
    "STORE_ENUMS",
    "STORE_FORMATS",
    "StoresUpload",
    "parse_actuals",
    "parse_dataset",
    "parse_history",
    "parse_stores",
    "scan_dataset",
    "scan_history",
]
