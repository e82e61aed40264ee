"""Shared helpers for orchestrator tests: a service on a real SQLite file and a table dump."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from core.orchestrator.service import PlannerService
from tests.orchestrator.conftest import history_csv, stores_csv


def new_service(url: str, **kw: Any) -> PlannerService:
    kw.setdefault("sleep", lambda s: None)
    return PlannerService(url, **kw)


def small_dataset(svc: PlannerService) -> int:
    return svc.import_dataset(history=history_csv(), history_name="history.csv", stores=stores_csv(),
                              stores_name="stores.csv").id


def dump_tables(svc: PlannerService) -> dict[str, list[tuple]]:
    """Every row of every table, for 'nothing changed' assertions."""
    out: dict[str, list[tuple]] = {}
    with svc.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out
