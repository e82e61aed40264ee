"""Small helpers shared by the ingestion tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.domain.errors import IngestError


def rejection(call: Callable[[], object]) -> IngestError:
    """Run `call`, require an IngestError, and return it (nothing may be returned instead)."""
    with pytest.raises(IngestError) as info:
        call()
    return info.value


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")
