"""Limits applied to every upload. One place so the UI can quote them and tests can lower them."""

from __future__ import annotations

MB = 1024 * 1024

# Size limits per kind of file. A 2,000-store x 3-year x 3-category daily history is ~270 MB.
MAX_HISTORY_BYTES = 300 * MB  # a browser upload (a weekly history of 10,000 stores is ~200 MB)
# A history file given by path (command line, or a path handed to the service) is read in chunks and
# summed into weeks as it streams, so its size only costs time: a high default, configurable per call.
MAX_HISTORY_FILE_BYTES = 64 * 1024 * MB
HISTORY_FILE_LIMIT_ENV = "SEASON_PLANNER_MAX_HISTORY_MB"  # sets another limit for a file given by path


def history_file_limit() -> int:
    """The size limit of a history file given by path: SEASON_PLANNER_MAX_HISTORY_MB when set, else
    MAX_HISTORY_FILE_BYTES."""
    import os

    given = os.environ.get(HISTORY_FILE_LIMIT_ENV, "").strip()
    return int(given) * MB if given.isdigit() else MAX_HISTORY_FILE_BYTES
MAX_STORES_BYTES = 5 * MB
MAX_ACTUALS_BYTES = 20 * MB

# A rejection lists at most this many problems, followed by a count of the rest.
MAX_PROBLEMS = 50

# Rows read per chunk: bounds the memory of the string columns while validating big files.
CHUNK_ROWS = 400_000

# Identifiers: letters, digits, '-', '_' and '.', not starting with a spreadsheet formula prefix.
MAX_ID_LENGTH = 64
MAX_CATEGORY_LENGTH = 200
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Anything above these is a typing or export error, not a sales figure.
MAX_QUANTITY = 10_000_000  # units per row
MAX_AMOUNT = 1e12  # revenue, income, sales, floor space

# Dates outside this window are rejected as implausible (and would overflow datetime64[ns]).
MIN_YEAR = 1990
MAX_YEAR = 2100
