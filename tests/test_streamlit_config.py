"""The dashboard's upload cap matches what ingestion accepts, so no valid file is refused by the browser."""

from __future__ import annotations

import tomllib
from pathlib import Path

from core.domain.ingest.limits import MAX_ACTUALS_BYTES, MAX_HISTORY_BYTES, MAX_STORES_BYTES, MB

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_upload_cap_equals_the_largest_ingestion_limit() -> None:
    server = tomllib.loads(CONFIG.read_text())["server"]
    assert server["maxUploadSize"] * MB == max(MAX_HISTORY_BYTES, MAX_STORES_BYTES, MAX_ACTUALS_BYTES)
