"""Vectorised checks of cell values: each distinct value is checked once, then mapped back to its rows.

Values that repeat a lot (dates, ids, quantities) are factorised and only the distinct values are
checked, which keeps a 6.6M-row file within a few seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.domain.ingest import limits
from core.domain.ingest.day_numbers import EPOCH
from core.domain.ingest.problems import ProblemLog, show

_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID_SHAPE = re.compile(r"^[A-Za-z0-9._-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 = empty cell) and distinct values, trimmed of surrounding whitespace."""
    if isinstance(values, pd.Categorical):
        codes, uniques = np.asarray(values.codes, dtype=np.int64), np.asarray(values.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)
    if uniques.size:
        stripped = np.array([u.strip() for u in uniques], dtype=object)
        if not (stripped == uniques).all():
            # Re-factorise so ' S001' and 'S001' become one value.
            codes2, uniques2 = pd.factorize(stripped)
            codes = np.where(codes >= 0, codes2[np.maximum(codes, 0)], -1)
            uniques = np.asarray(uniques2, dtype=object)
        empty = uniques == ""
        if empty.any():
            remap = np.where(empty, -1, np.arange(uniques.size))
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    return codes, uniques


def take(per_unique: np.ndarray, codes: np.ndarray, fill: Any) -> np.ndarray:
    """Per-row values from per-distinct-value ones; `fill` where the code is -1 (empty cell).

    `fill` is any scalar numpy takes (a bool, a number, NaN or None for an object column), hence `Any`.
    """
    if per_unique.size == 0:
        return np.full(len(codes), fill, dtype=per_unique.dtype if fill is not None else object)
    return np.where(codes >= 0, per_unique[np.maximum(codes, 0)], fill)


def check_present(codes: np.ndarray, lines: np.ndarray, column: str, log: ProblemLog) -> np.ndarray:
    """Mask of empty cells, reported as missing values."""
    missing = codes < 0
    log.add_rows(missing, lines, column, lambda i: "missing value")
    return missing


def parse_dates(
    values: np.ndarray, lines: np.ndarray, column: str, log: ProblemLog
) -> np.ndarray:
    """Day numbers since 1970-01-01 (int64); -1 where the row is invalid (already reported)."""
    codes, uniques = factorize(values)
    bad_row = check_present(codes, lines, column, log)
    shaped = np.array([bool(_DATE_SHAPE.match(u)) for u in uniques], dtype=bool)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object).where(shaped), format="%Y-%m-%d", errors="coerce")
    days = np.full(uniques.size, -1, dtype=np.int64)
    valid_date = parsed.notna().to_numpy()
    ok = valid_date.copy()
    if ok.any():
        years = parsed.dt.year.to_numpy()
        ok &= (years >= limits.MIN_YEAR) & (years <= limits.MAX_YEAR)
        days[ok] = (parsed.to_numpy()[ok].astype("datetime64[D]") - EPOCH).astype(np.int64)
    row_bad = take(~ok, codes, False)

    def describe(i: int) -> str:
        value = uniques[codes[i]]
        if valid_date[codes[i]]:
            return f"date {show(value)} is outside the supported years {limits.MIN_YEAR}..{limits.MAX_YEAR}"
        return f"{show(value)} is not a valid date; expected YYYY-MM-DD (e.g. 2025-03-03)"

    log.add_rows(row_bad, lines, column, describe)
    out = take(days, codes, -1)
    out[bad_row] = -1
    return out


def bad_identifier(value: str, max_length: int = limits.MAX_ID_LENGTH) -> str | None:
    """Why `value` is not a valid identifier, or None when it is fine."""
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} allowed"
    if value.startswith(limits.FORMULA_PREFIXES):
        return (
            f"starts with {value[0]!r}, which spreadsheets treat as a formula; "
            "ids must start with a letter, digit, '_' or '.'"
        )
    if not _ID_SHAPE.match(value):
        return "may contain only letters, digits, '-', '_' and '.'"
    return None


def bad_label(value: str, max_length: int = limits.MAX_CATEGORY_LENGTH) -> str | None:
    """Why a free-text label (a category name) is unacceptable, or None."""
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} allowed"
    if value.startswith(limits.FORMULA_PREFIXES):
        return f"starts with {value[0]!r}, which spreadsheets treat as a formula"
    if _CONTROL.search(value):
        return "contains control characters (tab, line break, ...)"
    return None


def parse_labels(
    values: np.ndarray,
    lines: np.ndarray,
    column: str,
    log: ProblemLog,
    *,
    what: str,
    judge: Callable[[str], str | None],
) -> tuple[np.ndarray, np.ndarray]:
    """Codes into distinct valid values (-1 where invalid, already reported) and those values."""
    codes, uniques = factorize(values)
    bad_row = check_present(codes, lines, column, log)
    reasons = [judge(u) for u in uniques]
    unique_bad = np.array([r is not None for r in reasons], dtype=bool)
    row_bad = take(unique_bad, codes, False)
    log.add_rows(row_bad, lines, column, lambda i: f"{what} {show(uniques[codes[i]])} {reasons[codes[i]]}")
    codes = codes.copy()
    codes[bad_row | row_bad] = -1
    return codes, uniques


def parse_numbers(
    values: np.ndarray,
    lines: np.ndarray,
    column: str,
    log: ProblemLog,
    *,
    required: bool = True,
    integer: bool = False,
    minimum: float = 0.0,
    strictly_positive: bool = False,
    maximum: float = limits.MAX_AMOUNT,
    factorised: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of rows that are invalid (already reported).

    `factorised=False` parses every cell directly: faster for nearly-unique columns such as revenue.
    """
    if values.dtype.kind == "f":  # already parsed by the fast path: only blanks are NaN
        numbers, empty, text = _already_parsed(values)
    elif factorised:
        numbers, empty, text = _parsed_per_distinct_value(values)
    else:
        numbers, empty, text = _parsed_per_cell(values)

    bad = np.zeros(len(numbers), dtype=bool)
    if required:
        log.add_rows(empty, lines, column, lambda i: "missing value")
        bad |= empty
    unparsable = np.isnan(numbers) & ~empty
    log.add_rows(unparsable, lines, column, lambda i: f"{show(text(i))} is not a number")
    bad |= unparsable
    bad |= _implausible_numbers(
        numbers, lines, column, log, text,
        integer=integer, minimum=minimum, strictly_positive=strictly_positive, maximum=maximum,
    )
    return numbers, bad


# Numbers, a mask of empty cells, and the cell's text as written (for messages) by row position.
_Parsed = tuple[np.ndarray, np.ndarray, Callable[[int], str]]


def _already_parsed(values: np.ndarray) -> _Parsed:
    numbers = np.asarray(values, dtype=float)
    empty = np.isnan(numbers)

    def text(i: int) -> str:
        return repr(float(numbers[i]))
    return numbers, empty, text


def _parsed_per_distinct_value(values: np.ndarray) -> _Parsed:
    codes, uniques = factorize(values)
    parsed_u = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype=float)
    numbers = take(parsed_u, codes, np.nan)
    empty = codes < 0

    def text(i: int) -> str:
        return uniques[codes[i]]
    return numbers, empty, text


def _parsed_per_cell(values: np.ndarray) -> _Parsed:
    series = pd.Series(values, dtype=object)
    empty = series.isna().to_numpy()
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    retry = np.isnan(numbers) & ~empty
    if retry.any():  # surrounding spaces, or a blank made of spaces
        stripped = series[retry].str.strip()
        numbers[retry] = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype=float)
        empty[np.flatnonzero(retry)[(stripped == "").to_numpy()]] = True

    def text(i: int) -> str:
        return values[i]
    return numbers, empty, text


def _implausible_numbers(
    numbers: np.ndarray,
    lines: np.ndarray,
    column: str,
    log: ProblemLog,
    text: Callable[[int], str],
    *,
    integer: bool,
    minimum: float,
    strictly_positive: bool,
    maximum: float,
) -> np.ndarray:
    """Mask of parsed numbers beyond `maximum`, below `minimum` or (`integer`) fractional, reported."""
    bad = np.zeros(len(numbers), dtype=bool)
    with np.errstate(invalid="ignore"):
        huge = ~np.isnan(numbers) & (np.abs(numbers) > maximum)  # includes +-inf
        log.add_rows(
            huge, lines, column, lambda i: f"{show(text(i))} is not a plausible value (limit {maximum:,.0f})"
        )
        bad |= huge
        low = ~np.isnan(numbers) & ~huge & ((numbers <= minimum) if strictly_positive else (numbers < minimum))
        relation = "greater than" if strictly_positive else "at least"
        log.add_rows(
            low,
            lines,
            column,
            lambda i: f"{show(text(i))} is {'negative' if numbers[i] < 0 else 'too small'}; "
            f"must be {relation} {minimum:g}",
        )
        bad |= low
        if integer:
            fractional = ~np.isnan(numbers) & ~huge & (numbers != np.floor(numbers))
            log.add_rows(
                fractional, lines, column, lambda i: f"{show(text(i))} is not a whole number of units"
            )
            bad |= fractional
    return bad


def parse_choice(
    values: np.ndarray,
    lines: np.ndarray,
    column: str,
    log: ProblemLog,
    allowed: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Canonical spelling of each value (matched case-insensitively) and a mask of invalid rows."""
    codes, uniques = factorize(values)
    missing = codes < 0
    lookup = {a.casefold(): a for a in allowed}
    canonical = np.array([lookup.get(u.casefold().replace(" ", "")) for u in uniques], dtype=object)
    known = np.array([c is not None for c in canonical], dtype=bool)
    row_bad = take(~known, codes, False)
    log.add_rows(missing, lines, column, lambda i: f"missing value; allowed {', '.join(allowed)}")
    log.add_rows(
        row_bad,
        lines,
        column,
        lambda i: f"{show(uniques[codes[i]])} is not an allowed value; allowed {', '.join(allowed)}",
    )
    out = take(canonical, codes, None)
    return out, missing | row_bad


class Vocabulary:
    """Stable integer ids for strings seen across chunks (store ids, categories)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def ids(self, codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
        mapped = np.empty(uniques.size, dtype=np.int64)
        for k, u in enumerate(uniques):
            got = self.index.get(u)
            if got is None:
                got = self.index[u] = len(self.values)
                self.values.append(u)
            mapped[k] = got
        return take(mapped, codes, -1)
