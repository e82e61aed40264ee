"""A history read from a file in chunks: the same weeks and the same refusals as from bytes, and memory
that follows the weekly result, not the rows read (docs/planning-rules.md §3)."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.domain.errors import IngestError
from core.domain.ingest import parse_history, scan_history
from tests.domain.ingest.helpers import csv, rejection

HEADER = "date,store_id,category,quantity_sold,revenue"


def daily_lines(stores: int, days: int, start: date = date(2024, 1, 1), step: int = 1,
                categories: tuple[str, ...] = ("Dresses", "Shirts")) -> list[str]:
    out = []
    for d in range(days):
        day = (start + timedelta(days=d * step)).isoformat()
        for s in range(stores):
            for k, cat in enumerate(categories):
                out.append(f"{day},S{s:03d},{cat},{(d * 7 + s * 3 + k) % 11},{((d + s + k) % 13) * 1.37:.2f}")
    return out


def same_upload(a, b) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    assert {k: v for k, v in vars(a).items() if k != "frame"} == {k: v for k, v in vars(b).items() if k != "frame"}


@pytest.mark.parametrize("step, week_start", [(1, None), (1, 5), (7, None)])
def test_a_file_read_in_small_chunks_gives_the_weeks_of_its_bytes(tmp_path: Path, step: int, week_start) -> None:
    # Saturday-dated weekly rows (2024-01-06) make the detected week start Saturday.
    data = csv(HEADER, *daily_lines(4, 30, start=date(2024, 1, 6), step=step))
    path = tmp_path / "history.csv"
    path.write_bytes(data)
    whole = parse_history(data, "history.csv", week_start=week_start)
    streamed = scan_history(path, "history.csv", week_start=week_start, chunk_rows=7).upload()
    same_upload(whole, streamed)
    assert whole.frequency == ("weekly" if step == 7 else "daily")


def test_refusals_keep_their_messages_and_lines_across_chunks(tmp_path: Path) -> None:
    lines = daily_lines(3, 10)
    lines[5] = lines[5].replace(",S", ",S S", 1)  # a bad store id on file line 7
    lines.append(lines[2])  # repeats line 4, 50 lines later, in another chunk
    lines.append("2024-13-01,S001,Dresses,1,1.0")
    data = csv(HEADER, *lines)
    path = tmp_path / "history.csv"
    path.write_bytes(data)
    whole = rejection(lambda: parse_history(data, "history.csv"))
    streamed = rejection(lambda: scan_history(path, "history.csv", chunk_rows=5))
    assert [(p.row, p.column, p.message) for p in streamed.problems] == \
        [(p.row, p.column, p.message) for p in whole.problems]
    assert any("already appears on line 4" in p.message and p.row == len(lines) for p in streamed.problems)
    assert any(p.row == 7 and p.column == "store_id" for p in streamed.problems)


def test_an_invalid_byte_is_found_on_its_line_in_a_file(tmp_path: Path) -> None:
    data = csv(HEADER, *daily_lines(2, 5)).replace(b"Shirts", b"Sh\xffirts", 1)
    path = tmp_path / "history.csv"
    path.write_bytes(data)
    streamed = rejection(lambda: parse_history(path, "history.csv"))
    whole = rejection(lambda: parse_history(data, "history.csv"))
    assert [(p.row, p.message) for p in streamed.problems] == [(p.row, p.message) for p in whole.problems]
    assert streamed.problems[0].row == 3


def test_a_file_over_the_limit_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(b"\x00" * 5000)  # would be refused as binary if it were read
    error = rejection(lambda: parse_history(path, "history.csv", max_bytes=4000))
    assert "the limit for history files is 4,000 bytes" in error.problems[0].message
    with pytest.raises(IngestError, match="expected the file's bytes"):
        parse_history(str(path), "history.csv")  # text is never taken for a file name


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        scan = scan_history(path, "history.csv", chunk_rows=20_000)
        assert scan.rows_read > 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows_read(tmp_path: Path) -> None:
    # 100 stores x 2 categories, four and then eight years of daily rows (15 and 29 chunks): what is
    # held is one chunk and the weekly sums (small here), so twice the rows leave the peak where it was.
    short, long = tmp_path / "short.csv", tmp_path / "long.csv"
    short.write_bytes(csv(HEADER, *daily_lines(100, 4 * 364)))
    long.write_bytes(csv(HEADER, *daily_lines(100, 8 * 364)))
    _peak_bytes(short)  # warm-up: first-call allocations are not the data's
    small, big = _peak_bytes(short), _peak_bytes(long)
    assert long.stat().st_size > 1.9 * short.stat().st_size
    assert big < 1.1 * small, (small, big)
