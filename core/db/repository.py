"""Repository and unit of work: every workflow change is one transaction with a version check."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db.models import (
    ActualRow,
    Approval,
    Dataset,
    Event,
    ForecastRevision,
    HistoryRow,
    PlanRevision,
    RawFile,
    StepLease,
    StoreRow,
    Upload,
    Workflow,
    utcnow,
)
from core.domain.errors import AlreadyDecided, ConcurrencyConflict, NotFound


def sha256_of(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def rows_changed(result: Any) -> int:
    """Rows an UPDATE or DELETE matched (a CursorResult's rowcount; typed loosely by SQLAlchemy)."""
    return int(result.rowcount)


class Repository:
    """Reads and writes on one session; the caller's unit of work decides commit or rollback."""

    def __init__(self, session: Session):
        self.s = session

    # ------------------------------------------------------------------ workflows
    def workflow(self, workflow_id: str) -> Workflow:
        wf = self.s.get(Workflow, workflow_id)
        if wf is None:
            raise NotFound(f"workflow {workflow_id!r} not found (see `list` for the workflows in this database)")
        return wf

    def workflows(self) -> Sequence[Workflow]:
        return self.s.scalars(select(Workflow).order_by(Workflow.updated_at.desc(), Workflow.id)).all()

    def workflow_exists(self, workflow_id: str) -> bool:
        return self.s.scalar(select(func.count()).where(Workflow.id == workflow_id)) == 1

    def save_workflow(
        self, workflow_id: str, read_version: int, *, state: str, context: dict[str, Any],
        last_error: str | None = None,
    ) -> int:
        """UPDATE ... WHERE version = read_version; 0 rows means someone else wrote first."""
        result = self.s.execute(
            update(Workflow)
            .where(Workflow.id == workflow_id, Workflow.version == read_version)
            .values(state=state, context=context, version=read_version + 1, updated_at=utcnow(),
                    last_error=last_error)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) != 1:
            raise ConcurrencyConflict(
                f"workflow {workflow_id} changed while this action ran (version {read_version} is no longer "
                "current); reload and try again"
            )
        return read_version + 1

    # ------------------------------------------------------------------ events
    def add_event(self, workflow_id: str, kind: str, message: str, *, step: str | None = None,
                  data: dict[str, Any] | None = None) -> None:
        self.s.execute(insert(Event).values(workflow_id=workflow_id, kind=kind, step=step, message=message,
                                            data=data or {}, ts=utcnow()))

    def events(self, workflow_id: str, after_id: int = 0) -> Sequence[Event]:
        return self.s.scalars(
            select(Event).where(Event.workflow_id == workflow_id, Event.id > after_id).order_by(Event.id)
        ).all()

    def event_count(self, workflow_id: str) -> int:
        return int(self.s.scalar(select(func.count()).select_from(Event).where(Event.workflow_id == workflow_id)) or 0)

    # ------------------------------------------------------------------ approvals
    def add_approval(self, workflow_id: str, kind: str, proposed: float, *, week: int | None = None,
                     details: dict[str, Any] | None = None) -> int:
        approval = Approval(workflow_id=workflow_id, kind=kind, week=week, status="pending", proposed=proposed,
                            details=details or {}, requested_at=utcnow())
        self.s.add(approval)
        self.s.flush()
        return approval.id

    def approvals(self, workflow_id: str) -> Sequence[Approval]:
        return self.s.scalars(select(Approval).where(Approval.workflow_id == workflow_id).order_by(Approval.id)).all()

    def pending_approval(self, workflow_id: str) -> Approval | None:
        return self.s.scalars(
            select(Approval).where(Approval.workflow_id == workflow_id, Approval.status == "pending")
            .order_by(Approval.id.desc())
        ).first()

    def decide_approval(self, approval_id: int, *, status: str, decided: float, reason: str | None, by: str,
                        at: datetime) -> None:
        """Conditional on status='pending': of two concurrent decisions exactly one matches a row."""
        result = self.s.execute(
            update(Approval)
            .where(Approval.id == approval_id, Approval.status == "pending")
            .values(status=status, decided=decided, reason=reason, decided_by=by, decided_at=at)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) != 1:
            raise AlreadyDecided(self.already_decided_message(approval_id))

    def already_decided_message(self, approval_id: int) -> str:
        self.s.expire_all()
        a = self.s.get(Approval, approval_id)
        if a is None:
            return f"approval {approval_id} not found"
        when = a.decided_at.isoformat(timespec="seconds") if a.decided_at else "an earlier time"
        if a.decided is None:
            value = "?"
        elif a.kind == "markdown":
            value = f"{a.decided:.0%} markdown"
        else:
            value = f"{a.decided:,.0f} units"
        return (f"the {a.kind} approval #{a.id} was already decided by {a.decided_by} at {when}: "
                f"{a.status} ({value}); that decision stands")

    # ------------------------------------------------------------------ raw files and datasets
    def add_raw_file(self, kind: str, filename: str, data: bytes) -> int:
        row = RawFile(kind=kind, filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      content_gz=gzip.compress(data, compresslevel=1), created_at=utcnow())
        self.s.add(row)
        self.s.flush()
        return row.id

    def add_raw_file_parts(self, kind: str, filename: str, blocks: Iterable[bytes]) -> int:
        """A large file stored as it arrives, one gzip member per block: never held whole in memory."""
        from core.db.models import RawFilePart, table_of

        row = RawFile(kind=kind, filename=filename, sha256="", size=0, content_gz=b"", created_at=utcnow())
        self.s.add(row)
        self.s.flush()
        digest, size = hashlib.sha256(), 0
        for seq, block in enumerate(blocks):
            digest.update(block)
            size += len(block)
            # Core insert: the session keeps no part (its bytes) once written.
            self.s.connection().execute(insert(table_of(RawFilePart)), {
                "raw_file_id": row.id, "seq": seq, "content_gz": gzip.compress(block, compresslevel=1)})
        row.sha256, row.size = digest.hexdigest(), size
        self.s.flush()
        return row.id

    def raw_file_bytes(self, raw_file_id: int) -> bytes:
        from core.db.models import RawFilePart

        row = self.s.get(RawFile, raw_file_id)
        if row is None:
            raise NotFound(f"raw file {raw_file_id} not found")
        parts = self.s.scalars(select(RawFilePart.content_gz).where(RawFilePart.raw_file_id == raw_file_id)
                               .order_by(RawFilePart.seq)).all()
        return b"".join(gzip.decompress(p) for p in parts) if parts else gzip.decompress(row.content_gz)

    def dataset(self, dataset_id: int) -> Dataset:
        ds = self.s.get(Dataset, dataset_id)
        if ds is None:
            raise NotFound(f"dataset {dataset_id} not found (see the list of datasets)")
        return ds

    def dataset_by_hash(self, content_hash: str) -> Dataset | None:
        return self.s.scalars(select(Dataset).where(Dataset.content_hash == content_hash)).first()

    def datasets(self) -> Sequence[Dataset]:
        return self.s.scalars(select(Dataset).order_by(Dataset.id)).all()

    def add_history_rows(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.s.execute(insert(HistoryRow), rows)

    def db_now(self) -> datetime:
        """The database server's time (UTC, aware): one clock for every process's leases, whatever the
        clocks of their machines say (a process 45 s ahead took over a live step)."""
        from datetime import timezone

        from sqlalchemy import text

        name = self.s.get_bind().dialect.name
        if name == "sqlite":
            raw: object = self.s.execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar_one()
            return datetime.fromisoformat(str(raw)).replace(tzinfo=timezone.utc)
        if name == "postgresql":
            value: datetime = self.s.execute(text("SELECT clock_timestamp()")).scalar_one()
            return value.astimezone(timezone.utc)
        return utcnow()

    def column_mapping(self, layout_key: str) -> dict[str, str] | None:
        from core.db.models import ColumnMapping

        row = self.s.scalars(select(ColumnMapping).where(ColumnMapping.layout_key == layout_key)).first()
        return dict(row.mapping) if row is not None else None

    def remember_column_mapping(self, layout_key: str, kind: str, header: list[str], mapping: dict[str, str]) -> None:
        from core.db.models import ColumnMapping

        row = self.s.scalars(select(ColumnMapping).where(ColumnMapping.layout_key == layout_key)).first()
        if row is None:
            self.s.add(ColumnMapping(layout_key=layout_key, kind=kind, header=list(header), mapping=dict(mapping),
                                     updated_at=utcnow()))
        else:
            row.mapping, row.header, row.updated_at = dict(mapping), list(header), utcnow()
        self.s.flush()

    def add_store_rows(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.s.execute(insert(StoreRow), rows)

    # ------------------------------------------------------------------ uploads and actuals
    def active_upload(self, workflow_id: str, week: int) -> Upload | None:
        return self.s.scalars(
            select(Upload).where(Upload.workflow_id == workflow_id, Upload.week == week, Upload.status == "active")
        ).first()

    def uploads(self, workflow_id: str) -> Sequence[Upload]:
        return self.s.scalars(select(Upload).where(Upload.workflow_id == workflow_id)
                              .order_by(Upload.week, Upload.version)).all()

    def next_upload_version(self, workflow_id: str, week: int) -> int:
        current = self.s.scalar(select(func.max(Upload.version)).where(Upload.workflow_id == workflow_id,
                                                                       Upload.week == week))
        return int(current or 0) + 1

    def queued_upload(self, workflow_id: str, week: int) -> Upload | None:
        """A week file stored ahead of an earlier missing week, waiting to be applied in week order."""
        return self.s.scalars(
            select(Upload).where(Upload.workflow_id == workflow_id, Upload.week == week, Upload.status == "queued")
            .order_by(Upload.version.desc())
        ).first()

    def activate_upload(self, upload_id: int) -> None:
        self.s.execute(update(Upload).where(Upload.id == upload_id, Upload.status == "queued")
                       .values(status="active").execution_options(synchronize_session=False))

    def supersede(self, upload_id: int) -> None:
        self.s.execute(update(Upload).where(Upload.id == upload_id)
                       .values(status="superseded", superseded_at=utcnow())
                       .execution_options(synchronize_session=False))

    def add_upload(self, **values: Any) -> int:
        upload = Upload(**values)
        self.s.add(upload)
        self.s.flush()
        return upload.id

    def add_actual_rows(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.s.execute(insert(ActualRow), rows)

    def active_actuals(self, workflow_id: str) -> dict[int, dict[str, int]]:
        """week -> store_id -> units, from the active upload of each week."""
        stmt = (
            select(ActualRow.week, ActualRow.store_id, ActualRow.quantity)
            .join(Upload, Upload.id == ActualRow.upload_id)
            .where(Upload.workflow_id == workflow_id, Upload.status == "active")
        )
        out: dict[int, dict[str, int]] = {}
        for week, store, qty in self.s.execute(stmt):
            out.setdefault(int(week), {})[store] = int(qty)
        return out

    def partial_week_shares(self, workflow_id: str) -> dict[int, float]:
        """week -> share of the week's plan its days carry, for active uploads confirmed as partial weeks."""
        stmt = select(Upload.week, Upload.plan_share).where(
            Upload.workflow_id == workflow_id, Upload.status == "active", Upload.plan_share.is_not(None))
        return {int(week): float(share) for week, share in self.s.execute(stmt) if share is not None}

    # ------------------------------------------------------------------ revisions
    def add_forecast_revision(self, workflow_id: str, revision: int, reason: str, after_week: int,
                              total: float, data: dict[str, Any]) -> None:
        self.s.execute(insert(ForecastRevision).values(workflow_id=workflow_id, revision=revision, reason=reason,
                                                       after_week=after_week, total=total, data=data,
                                                       created_at=utcnow()))

    def forecast_revisions(self, workflow_id: str) -> Sequence[ForecastRevision]:
        return self.s.scalars(select(ForecastRevision).where(ForecastRevision.workflow_id == workflow_id)
                              .order_by(ForecastRevision.id)).all()

    def add_plan_revision(self, workflow_id: str, kind: str, revision: int, after_week: int,
                          data: dict[str, Any]) -> None:
        self.s.execute(insert(PlanRevision).values(workflow_id=workflow_id, kind=kind, revision=revision,
                                                   after_week=after_week, data=data, created_at=utcnow()))

    def plan_revisions(self, workflow_id: str) -> Sequence[PlanRevision]:
        return self.s.scalars(select(PlanRevision).where(PlanRevision.workflow_id == workflow_id)
                              .order_by(PlanRevision.id)).all()

    # ------------------------------------------------------------------ step leases
    def lease(self, workflow_id: str, *, for_update: bool = False) -> StepLease | None:
        stmt = select(StepLease).where(StepLease.workflow_id == workflow_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.s.scalars(stmt).first()

    def put_lease(self, workflow_id: str, *, replacing: str | None, **values: Any) -> bool:
        """Insert a new claim, or take over the dead claim whose token is `replacing`; False when
        someone else changed the claim first (the row no longer has that token)."""
        if replacing is None:
            self.s.execute(insert(StepLease).values(workflow_id=workflow_id, **values))
            return True
        result = self.s.execute(update(StepLease)
                                .where(StepLease.workflow_id == workflow_id, StepLease.token == replacing)
                                .values(**values).execution_options(synchronize_session=False))
        return rows_changed(result) == 1

    def renew_lease(self, workflow_id: str, token: str, *, heartbeat_at: datetime, expires_at: datetime) -> bool:
        result = self.s.execute(update(StepLease)
                                .where(StepLease.workflow_id == workflow_id, StepLease.token == token)
                                .values(heartbeat_at=heartbeat_at, expires_at=expires_at)
                                .execution_options(synchronize_session=False))
        return rows_changed(result) == 1

    def release_lease(self, workflow_id: str, token: str) -> bool:
        """Delete the claim if it is still ours; False means another process took it over."""
        result = self.s.execute(delete(StepLease).where(StepLease.workflow_id == workflow_id,
                                                        StepLease.token == token)
                                .execution_options(synchronize_session=False))
        return rows_changed(result) == 1

    def explanation_events(self, workflow_id: str) -> Sequence[Event]:
        return self.s.scalars(select(Event).where(Event.workflow_id == workflow_id, Event.kind == "explanation")
                              .order_by(Event.id)).all()



class UnitOfWork:
    """`with uow.begin() as repo:` commits on success and rolls back on any exception."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)

    @contextmanager
    def begin(self) -> Iterator[Repository]:
        with self.session_factory() as session:
            with session.begin():
                yield Repository(session)

    @contextmanager
    def read(self) -> Iterator[Repository]:
        with self.session_factory() as session:
            try:
                yield Repository(session)
            finally:
                session.rollback()


class GuardedUnitOfWork(UnitOfWork):
    """A unit of work whose database failures a user can act on (corrupt / locked / unreachable)
    become PlannerErrors (DatabaseUnavailable) with a readable message; a lost race on a unique key
    stays an IntegrityError so the caller can re-read and decide."""

    def __init__(self, engine: Engine, url: str):
        super().__init__(engine)
        self.url = url

    @contextmanager
    def begin(self) -> Iterator[Repository]:
        with self._guarded(super().begin()) as repo:
            yield repo

    @contextmanager
    def read(self) -> Iterator[Repository]:
        with self._guarded(super().read()) as repo:
            yield repo

    @contextmanager
    def _guarded(self, cm: Any) -> Iterator[Repository]:
        from sqlalchemy.exc import DBAPIError, IntegrityError

        from core.db.engine import db_error

        try:
            with cm as repo:
                yield repo
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise db_error(self.url, exc) from None
