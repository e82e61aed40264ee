"""Column mapping: a planner's own column names read as ours (docs/user-guide.md, "Your own files").

A mapping is {our column: their column}, e.g. {"date": "week_start", "store_id": "shop"}. One mapping
can serve every file of a data set: a file uses the entries for the columns it has (the stores file
ignores "category"), and a file that already has our name keeps working. Mappings are remembered per
file layout: the layout key is a hash of the kind of file and its header, so the next file with the
same header is read the same way without asking again.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Mapping

from core.domain.errors import PlannerError

# Our columns per kind of file, and for each the plain words the Plan page shows next to its picker.
OUR_COLUMNS: dict[str, dict[str, str]] = {
    "history": {"date": "date (day or week)", "store_id": "store", "category": "category",
                "quantity_sold": "units sold", "revenue": "revenue (optional)"},
    "stores": {"store_id": "store", "avg_weekly_sales_12mo": "average weekly sales (optional)",
               "store_size_sqft": "floor space (optional)", "median_income": "median income (optional)",
               "location_tier": "location tier A/B/C (optional)",
               "fashion_tier": "fashion tier Premium/Mainstream/Value (optional)",
               "store_format": "format Mall/Standalone/ShoppingCenter/Outlet (optional)",
               "region": "region Northeast/Southeast/Midwest/West (optional)"},
    "actuals": {"date": "date", "store_id": "store", "quantity_sold": "units sold", "category": "category (optional)"},
}
ALL_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(c for cols in OUR_COLUMNS.values() for c in cols))
MAX_NAME = 200
# Their usual names for our columns, tried when the Plan page proposes a mapping.
_GUESSES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "week", "week_start", "week_start_date", "sale_date", "period"),
    "store_id": ("store_id", "store", "shop", "shop_id", "store_nbr", "store_no", "location", "branch"),
    "category": ("category", "dept", "department", "family", "category_name", "class"),
    "quantity_sold": ("quantity_sold", "quantity", "qty", "units", "units_sold", "sales_units", "sold"),
    "revenue": ("revenue", "sales", "sales_value", "amount", "turnover", "net_sales", "weekly_sales"),
}


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip().casefold())


def parse_map_option(text: str, *, option: str = "--map") -> dict[str, str]:
    """`date=week_start,store_id=shop` -> {"date": "week_start", "store_id": "shop"}; PlannerError
    naming every bad entry and the columns that can be mapped."""
    problems: list[str] = []
    mapping: dict[str, str] = {}
    for part in [p for p in next(csv.reader([text or ""]), []) if p.strip()]:
        ours, sep, theirs = part.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            problems.append(f"{option} entry {part.strip()!r} is not OUR=THEIRS (e.g. store_id=shop)")
            continue
        mapping[ours.casefold()] = theirs
    if not mapping and not problems:
        problems.append(f"{option} is empty: give OUR=THEIRS pairs, e.g. date=week_start,store_id=shop")
    try:
        mapping = check_mapping(mapping, option=option)
    except PlannerError as exc:
        problems.extend(exc.messages)
    if problems:
        raise PlannerError(problems)
    return mapping


def check_mapping(mapping: Mapping[str, str] | None, *, option: str = "column mapping") -> dict[str, str]:
    """The mapping with our names folded to their canonical spelling; PlannerError on an unknown
    column of ours, an empty or over-long name of theirs, or one of theirs used for two of ours."""
    if not mapping:
        return {}
    problems: list[str] = []
    out: dict[str, str] = {}
    for ours, theirs in mapping.items():
        key = str(ours).strip().casefold()
        if key not in ALL_COLUMNS:
            problems.append(f"{option}: {ours!r} is not one of our columns; allowed {', '.join(ALL_COLUMNS)}")
            continue
        name = str(theirs).strip() if theirs is not None else ""
        if not name or len(name) > MAX_NAME or any(ch in name for ch in "\r\n\x00"):
            problems.append(f"{option}: {key}={theirs!r}: their column must be a header name of 1..{MAX_NAME} "
                            "characters on one line")
            continue
        out[key] = name
    seen: dict[str, str] = {}
    for ours, theirs in out.items():
        other = seen.get(theirs.casefold())
        if other is not None:
            problems.append(f"{option}: their column {theirs!r} is given for both {other} and {ours}; "
                            "each of their columns can stand for one of ours")
        seen[theirs.casefold()] = ours
    if problems:
        raise PlannerError(problems)
    return {k: v for k, v in out.items() if k != v.casefold()}  # ours under our own name needs no entry


def for_kind(mapping: Mapping[str, str] | None, kind: str) -> dict[str, str]:
    """The entries that concern a kind of file ('history', 'stores', 'actuals')."""
    return {k: v for k, v in (mapping or {}).items() if k in OUR_COLUMNS[kind]}


def header_names(data: bytes) -> list[str]:
    """The header of a CSV as written (trimmed; a BOM dropped); [] when there is none to read."""
    head = bytes(data[:65536])
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return []
    try:
        return [n.strip() for n in next(csv.reader([text]), [])]
    except csv.Error:
        return []


def layout_key(kind: str, names: list[str]) -> str:
    """The key a mapping is remembered under: the kind of file and its header, case and order kept."""
    text = kind + "\x1f" + "\x1f".join(n.strip().casefold() for n in names)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def suggest(kind: str, names: list[str]) -> dict[str, str]:
    """A first guess {our column: their column} from usual names; ours found under our name are left out."""
    folded = {_fold(n): n for n in names}
    out: dict[str, str] = {}
    used: set[str] = set()
    for ours in OUR_COLUMNS[kind]:
        if _fold(ours) in folded:
            used.add(_fold(ours))
    for ours in OUR_COLUMNS[kind]:
        if _fold(ours) in folded:
            continue
        for guess in _GUESSES.get(ours, ()):
            hit = folded.get(_fold(guess))
            if hit is not None and _fold(hit) not in used:
                out[ours] = hit
                used.add(_fold(hit))
                break
    return out


def describe(mapping: Mapping[str, str]) -> str:
    """`store_id=shop, category=dept` as the CLI option spells it."""
    return ", ".join(f"{k}={v}" for k, v in mapping.items())
