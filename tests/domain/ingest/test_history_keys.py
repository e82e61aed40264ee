"""Duplicate detection in the history keys every (store, category) pair apart, however many there are."""

from __future__ import annotations

import pytest

from core.domain.errors import IngestError
from core.domain.ingest import parse_history


def test_more_than_65536_categories_give_no_false_duplicate() -> None:
    # Category ids used to be packed into 16 bits: category 65536 of store S1 read as category 0 of S2.
    rows = ["date,store_id,category,quantity_sold"]
    rows += [f"2024-01-01,S1,C{k},1" for k in range(65537)]
    rows.append("2024-01-01,S2,C0,1")
    up = parse_history(("\n".join(rows) + "\n").encode(), "h.csv")
    assert len(up.categories) == 65537 and up.stores == ["S1", "S2"]
    assert float(up.frame["quantity"].sum()) == 65538


def test_a_real_duplicate_is_still_named_with_both_lines() -> None:
    rows = ["date,store_id,category,quantity_sold", "2024-01-01,S1,A,1", "2024-01-01,S2,A,1", "2024-01-01,S1,B,1",
            "2024-01-01,S2,A,4"]
    with pytest.raises(IngestError) as exc:
        parse_history(("\n".join(rows) + "\n").encode(), "h.csv")
    assert exc.value.messages == ["h.csv, row 5: duplicate row: date 2024-01-01, store_id 'S2', category 'A' "
                                  "already appears on line 3"]
