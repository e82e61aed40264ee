"""Reading CSV uploads defensively: structure first, then vectorised value checks per chunk.

The parts live in their own modules; this one gathers them under the name the parsers import:
- core/domain/ingest/problems.py: the problems of a file (ProblemLog, reject, too_big, show);
- core/domain/ingest/csv_structure.py: size, encoding, delimiter and header checks (open_csv);
- core/domain/ingest/csv_chunks.py: the rows read in chunks (CsvFile, Chunk);
- core/domain/ingest/cell_values.py: vectorised checks of cell values (parse_*, factorize, take);
- core/domain/ingest/day_numbers.py: dates as day numbers and their weeks.
"""

from core.domain.ingest.cell_values import (
    Vocabulary,
    bad_identifier,
    bad_label,
    check_present,
    factorize,
    parse_choice,
    parse_dates,
    parse_labels,
    parse_numbers,
    take,
)
from core.domain.ingest.csv_chunks import Chunk, CsvFile, column_values
from core.domain.ingest.csv_structure import UTF8_BOM, ColumnSpec, open_csv
from core.domain.ingest.day_numbers import day_to_date, monday_day, week_first_day, weekday_of
from core.domain.ingest.problems import ProblemLog, reject, show, too_big

__all__ = [
    "UTF8_BOM",
    "Chunk",
    "ColumnSpec",
    "CsvFile",
    "ProblemLog",
    "Vocabulary",
    "bad_identifier",
    "bad_label",
    "check_present",
    "column_values",
    "day_to_date",
    "factorize",
    "monday_day",
    "open_csv",
    "parse_choice",
    "parse_dates",
    "parse_labels",
    "parse_numbers",
    "reject",
    "show",
    "take",
    "too_big",
    "week_first_day",
    "weekday_of",
]
