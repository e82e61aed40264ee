"""Cleaning of the free-form names and texts that people send (file names, 'by', reasons).

File names are labels only, never paths: nothing here touches the file system. They are cleaned
before anything is stored so that every backend behaves alike - PostgreSQL refuses NUL bytes in
text and enforces varchar lengths that SQLite ignores - and so that a crafted name cannot put
control characters (terminal escapes, line breaks) into messages and exports.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
MAX_EXTENSION = 10  # ".csv", ".csv.gz", ".xlsx": longer tails are not treated as an extension

# Column lengths of core/db/models.py the cleaned values must fit.
FILENAME_LIMIT = 500  # uploads.filename, raw_files.filename
LABEL_LIMIT = 200  # datasets.label
PERSON_LIMIT = 100  # workflows.created_by, uploads.created_by, approvals.decided_by


def _drop_controls(text: str, keep: str = "") -> str:
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in ("Cc", "Cs"))


def clip(text: str, limit: int) -> str:
    """At most `limit` characters; a clipped name keeps its extension after an ellipsis."""
    if len(text) <= limit:
        return text
    dot = text.rfind(".")
    ext = text[dot:] if dot > 0 and len(text) - dot <= MAX_EXTENSION else ""
    if len(ext) + 1 >= limit:
        ext = ""
    return text[: limit - len(ext) - 1].rstrip() + ELLIPSIS + ext


def clean_label(name: object, limit: int, *, fallback: str) -> str:
    """One line of printable text, trimmed and clipped to `limit`; `fallback` when nothing is left."""
    text = _drop_controls(str(name) if name is not None else "").strip()
    return clip(text, limit) if text else fallback


def clean_filename(name: object) -> str:
    return clean_label(name, FILENAME_LIMIT, fallback="unnamed file")


def clean_person(name: object) -> str:
    return clean_label(name, PERSON_LIMIT, fallback="planner")


def clean_text(text: str | None) -> str | None:
    """Multi-line free text (reasons, the planner's description): control characters other than
    line breaks and tabs are dropped; None or blank stays None."""
    if text is None:
        return None
    cleaned = _drop_controls(str(text), keep="\n\t").strip()
    return cleaned or None


def dataset_label(label: str | None, history_name: str, stores_name: str) -> str:
    """The dataset's display label: the planner's own, or both file names, each clipped so that
    both stay recognisable (their extensions kept) within the column length."""
    own = clean_label(label, LABEL_LIMIT, fallback="") if label is not None else ""
    if own:
        return own
    sep = " + "
    half = (LABEL_LIMIT - len(sep)) // 2
    return clip(history_name, half) + sep + clip(stores_name, LABEL_LIMIT - len(sep) - half)
