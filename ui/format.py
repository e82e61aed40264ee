"""Formatting of numbers, states and tables for display and for CSV downloads."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel

STATE_LABELS: dict[str, str] = {
    "draft": "Draft",
    "forecasting": "Forecasting",
    "awaiting_order_approval": "Awaiting order approval",
    "allocating": "Allocating",
    "in_season": "In season",
    "awaiting_markdown_approval": "Awaiting markdown approval",
    "closed": "Closed",
    "needs_attention": "Needs attention",
}

STATE_ICONS: dict[str, str] = {
    "draft": ":material/edit_note:",
    "forecasting": ":material/hourglass_top:",
    "awaiting_order_approval": ":material/pending_actions:",
    "allocating": ":material/hourglass_top:",
    "in_season": ":material/storefront:",
    "awaiting_markdown_approval": ":material/pending_actions:",
    "closed": ":material/task_alt:",
    "needs_attention": ":material/error:",
}

# Spreadsheet programs execute a cell that starts with one of these; a leading quote keeps it text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def as_dict(obj: Any) -> Any:
    """A plain JSON-like structure from a pydantic model (or anything already plain)."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    return obj


def state_label(state: str | None) -> str:
    if not state:
        return "—"
    return STATE_LABELS.get(state, state.replace("_", " ").capitalize())


def fmt_int(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{round(float(value)):,}"


def fmt_pct(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "—"
    sign = "+" if signed else ""
    return f"{float(value) * 100:{sign}.{digits}f}%"


def fmt_date(value: date | datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value[:10]
    return value.strftime("%Y-%m-%d")


def fmt_when(value: datetime | str | None) -> str:
    """A timestamp to the second, without the microseconds or timezone noise."""
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value.strftime("%Y-%m-%d %H:%M:%S")


def neutralise_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> bytes:
    """CSV for download, safe to open in a spreadsheet (no formula injection from text cells)."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    frame = frame.copy()
    for column in frame.columns:
        series = frame[column]
        # Text may sit in object, string or category columns; numbers, dates and booleans are left alone.
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)
                or pd.api.types.is_bool_dtype(series)):
            frame[column] = series.astype(object).map(neutralise_cell)
    frame.columns = [neutralise_cell(str(c)) for c in frame.columns]
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def unit_columns(frame: pd.DataFrame, skip: Iterable[str] = ()) -> dict[str, Any]:
    """column_config for every numeric column of a table: whole units with thousands separators
    (1,234 not 1234), for st.dataframe. Columns in `skip` keep their own configuration."""
    import streamlit as st

    left = set(skip)
    return {c: st.column_config.NumberColumn(str(c), format="localized") for c in frame.columns
            if c not in left and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            and str(c) not in ("week", "for week", "planned after week")}


def fmt_duration(seconds: float | None) -> str:
    """545.5 -> '9 min 6 s'; 3.2 -> '3.2 s'; 7,300 -> '2 h 2 min'."""
    if seconds is None:
        return "—"
    s = float(seconds)
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        minutes, rest = divmod(round(s), 60)
        return f"{minutes} min {rest} s"
    hours, rest = divmod(round(s / 60), 60)
    return f"{hours} h {rest} min"


def fmt_money(value: float | None, currency: str | None = None, *, digits: int = 0) -> str:
    """1234567.8 -> 'USD 1,234,568'; None (price or cost unknown) -> '—'."""
    if value is None:
        return "—"
    text = f"{float(value):,.{digits}f}"
    return f"{currency} {text}" if currency else text
