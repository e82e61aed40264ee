"""The categories of a history, best-selling first."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def categories_by_sales(frame: "pd.DataFrame") -> list[str]:
    """Categories, best-selling first (ties by name): free text that names no category gets the main one."""
    totals = frame.groupby(frame["category"].astype(str), observed=True)["quantity"].sum()
    return [str(c) for c, _ in sorted(totals.items(), key=lambda kv: (-float(kv[1]), kv[0]))]
