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


def add_comparison(session: Session, *, label: str, inputs: dict[str, Any], results: dict[str, Any],
                   workflow_id: str | None = None, dataset_id: int | None = None) -> int:
    """Add one comparison in the caller's transaction (the service's unit of work); returns its id."""
    row = Comparison(label=label[:200], source=str(results.get("demand", {}).get("source", ""))[:20],
                     workflow_id=workflow_id, dataset_id=dataset_id, inputs=inputs, results=results)
    session.add(row)
    session.flush()
    return int(row.id)


def comparison_summaries(session: Session, workflow_id: str | None = None) -> list[ComparisonSummary]:
    """Newest first; only one workflow's when `workflow_id` is given."""
    q = select(Comparison).order_by(Comparison.id.desc())
    if workflow_id is not None:
        q = q.where(Comparison.workflow_id == workflow_id)
    return [ComparisonSummary(**_summary(r)) for r in session.scalars(q)]


def stored_comparison(session: Session, comparison_id: int) -> StoredComparison | None:
    row = session.get(Comparison, comparison_id)
    if row is None:
        return None
    return StoredComparison(**_summary(row), inputs=row.inputs, results=row.results)


# The same on an engine, each in its own transaction (the command line's file comparisons).
def save_comparison(engine: Engine, **kw: Any) -> int:
    with Session(engine) as s, s.begin():
        return add_comparison(s, **kw)


def list_comparisons(engine: Engine, workflow_id: str | None = None) -> list[ComparisonSummary]:
    with Session(engine) as s:
        return comparison_summaries(s, workflow_id)


def get_comparison(engine: Engine, comparison_id: int) -> StoredComparison | None:
    with Session(engine) as s:
        return stored_comparison(s, comparison_id)
