"""Store attributes upload -> StoresFrame (the 8 columns of docs/planning-rules.md §3, typed).

Only `store_id` is required: a planner's stores file may have any of the other seven attributes, or
none. An attribute the file lacks is empty (NaN / None) for every store, and clustering uses the
attributes that exist plus the stores' own sales (core/domain/clustering.py). A column the file has
is checked as always: every cell a number, or one of the allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.domain.ingest import limits
from core.domain.ingest.csv_reading import (
    ColumnSpec,
    bad_identifier,
    open_csv,
    parse_choice,
    parse_labels,
    parse_numbers,
    reject,
    take,
)
from core.domain.ingest.mapping import for_kind

LOCATION_TIERS: tuple[str, ...] = ("A", "B", "C")
FASHION_TIERS: tuple[str, ...] = ("Premium", "Mainstream", "Value")
STORE_FORMATS: tuple[str, ...] = ("Mall", "Standalone", "ShoppingCenter", "Outlet")
REGIONS: tuple[str, ...] = ("Northeast", "Southeast", "Midwest", "West")
STORE_ENUMS: dict[str, tuple[str, ...]] = {
    "location_tier": LOCATION_TIERS,
    "fashion_tier": FASHION_TIERS,
    "store_format": STORE_FORMATS,
    "region": REGIONS,
}
# (column, strictly positive?) for the numeric attributes.
STORE_NUMBERS: tuple[tuple[str, bool], ...] = (
    ("avg_weekly_sales_12mo", False),
    ("store_size_sqft", True),
    ("median_income", False),
)
STORE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("store_id"),
    *(ColumnSpec(name, required=False) for name, _ in STORE_NUMBERS),
    *(ColumnSpec(name, required=False) for name in STORE_ENUMS),
)
STORES_FRAME_COLUMNS = [spec.name for spec in STORE_COLUMNS]


@dataclass
class StoresUpload:
    frame: pd.DataFrame  # StoresFrame, one row per store in file order
    warnings: list[str] = field(default_factory=list)

    @property
    def store_ids(self) -> list[str]:
        return list(self.frame["store_id"])


def parse_stores(data: bytes, filename: str, *, mapping: Mapping[str, str] | None = None) -> StoresUpload:
    """Validate a store attributes CSV; IngestError lists every problem."""
    csv_file = open_csv(data, filename, STORE_COLUMNS, max_bytes=limits.MAX_STORES_BYTES, what="stores",
                        mapping=for_kind(mapping, "stores"))
    log = csv_file.problem_log()
    chunks = list(csv_file.chunks(log, chunk_rows=10**9))  # small file: one chunk
    log.raise_if_any()
    if not chunks or len(chunks[0].frame) == 0:
        raise reject(filename, "the file has a header but no store rows")
    raw, lines = chunks[0].frame, chunks[0].lines

    codes, values = parse_labels(
        raw["store_id"].to_numpy(), lines, "store_id", log, what="store_id", judge=bad_identifier
    )
    duplicated = (codes >= 0) & pd.Series(codes).duplicated(keep="first").to_numpy()
    if duplicated.any():
        first_line = pd.Series(lines).groupby(codes).min()
        log.add_rows(
            duplicated,
            lines,
            "store_id",
            lambda i: f"duplicate store_id {values[codes[i]]!r}; first on line {int(first_line[codes[i]])}",
        )
    columns: dict[str, np.ndarray] = {
        "store_id": take(values, codes, None)
    }
    n = len(raw)
    absent = [spec.name for spec in STORE_COLUMNS if spec.name not in csv_file.columns]
    for name, positive in STORE_NUMBERS:
        if name in absent:
            columns[name] = np.full(n, np.nan)
            continue
        columns[name], _ = parse_numbers(raw[name].to_numpy(), lines, name, log, strictly_positive=positive)
    for name, allowed in STORE_ENUMS.items():
        if name in absent:
            columns[name] = np.full(n, None, dtype=object)
            continue
        columns[name], _ = parse_choice(raw[name].to_numpy(), lines, name, log, allowed)
    log.raise_if_any()

    warnings: list[str] = []
    if absent:
        warnings.append(f"the stores file has no {', '.join(absent)} column(s): clusters use the attributes it has "
                        "and each store's sales in the history")
    ignored = [n for i, n in enumerate(csv_file.names) if i not in set(csv_file.columns.values())]
    if ignored:
        warnings.append(f"extra columns ignored: {', '.join(ignored)}")
    frame = pd.DataFrame(columns)
    for name, _ in STORE_NUMBERS:
        frame[name] = frame[name].astype(float)
    return StoresUpload(frame=frame, warnings=warnings)
