"""Stored scenario-lab comparisons (table `comparisons`): save one, list them, read one back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.db.models import Comparison


class ComparisonSummary(BaseModel):
    id: int
    label: str
    source: str
    workflow_id: str | None
    dataset_id: int | None
    sets: list[str]
    created_at: datetime


class StoredComparison(ComparisonSummary):
    inputs: dict[str, Any]
    results: dict[str, Any]


def _summary(row: Comparison) -> dict[str, Any]:
    return {"id": row.id, "label": row.label, "source": row.source, "workflow_id": row.workflow_id,
            "dataset_id": row.dataset_id, "sets": [s.get("name", "") for s in (row.results or {}).get("sets", [])],
            "created_at": row.created_at}


def save_comparison(engine: Engine, *, label: str, inputs: dict[str, Any], results: dict[str, Any],
                    workflow_id: str | None = None, dataset_id: int | None = None) -> int:
    """Store one comparison in its own transaction; returns its id."""
    row = Comparison(label=label[:200], source=str(results.get("demand", {}).get("source", ""))[:20],
                     workflow_id=workflow_id, dataset_id=dataset_id, inputs=inputs, results=results)
    with Session(engine) as s, s.begin():
        s.add(row)
        s.flush()
        return int(row.id)


def list_comparisons(engine: Engine, workflow_id: str | None = None) -> list[ComparisonSummary]:
    """Newest first; only one workflow's when `workflow_id` is given."""
    q = select(Comparison).order_by(Comparison.id.desc())
    if workflow_id is not None:
        q = q.where(Comparison.workflow_id == workflow_id)
    with Session(engine) as s:
        return [ComparisonSummary(**_summary(r)) for r in s.scalars(q)]


def get_comparison(engine: Engine, comparison_id: int) -> StoredComparison | None:
    with Session(engine) as s:
        row = s.get(Comparison, comparison_id)
        if row is None:
            return None
        return StoredComparison(**_summary(row), inputs=row.inputs, results=row.results)
