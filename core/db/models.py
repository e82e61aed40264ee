"""SQLAlchemy 2 tables of Season Planner (portable: SQLite by default, PostgreSQL through DATABASE_URL).

One workflow row holds the state, the version used for optimistic concurrency and a JSON context
with the typed hand-off objects; everything else is append-only history around it (events,
approvals, uploads, forecast and plan revisions) so a season can be audited after the fact.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from core.scrub import scrub

# Explicit constraint names keep alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ScrubbedText(TypeDecorator[str]):
    """Text whose secrets (API keys, passwords) are removed before it is written (core/scrub.py)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return scrub(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table, for Core statements (SQLAlchemy declares `__table__` as any FromClause)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__}.__table__ is a {type(table).__name__}, not a Table")
    return table


class RawFile(Base):
    """Every uploaded file as received (gzip), for audit; parsed rows live in their own tables."""

    __tablename__ = "raw_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # history | stores | actuals
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_gz: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RawFilePart(Base):
    """One gzip member of a large raw file, in order (`seq`); the members decompress to the file."""

    __tablename__ = "raw_file_parts"
    __table_args__ = (UniqueConstraint("raw_file_id", "seq", name="uq_raw_file_parts_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_file_id: Mapped[int] = mapped_column(ForeignKey("raw_files.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    content_gz: Mapped[bytes] = mapped_column(LargeBinary)


class Dataset(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # demo | upload
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    categories: Mapped[list[Any]] = mapped_column(JSON)
    n_stores: Mapped[int] = mapped_column(Integer)
    n_weeks: Mapped[int] = mapped_column(Integer)
    history_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    history_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    frequency: Mapped[str | None] = mapped_column(String(20), nullable=True)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The weekday its weeks start on (Monday = 0): history weeks, season weeks and actuals use it.
    week_start: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    detected_week_start: Mapped[int | None] = mapped_column(Integer, nullable=True)  # from weekly dates
    weekday_shares: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )  # {category: 7 shares}
    history_file_id: Mapped[int | None] = mapped_column(ForeignKey("raw_files.id"), nullable=True)
    stores_file_id: Mapped[int | None] = mapped_column(ForeignKey("raw_files.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # {our column: theirs} the files were read with (None: our own names); week uploads use it too.
    column_map: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class ColumnMapping(Base):
    """A column mapping remembered per file layout (kind of file + header): the next file with the
    same header is read the same way (core/domain/ingest/mapping.py)."""

    __tablename__ = "column_mappings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layout_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    header: Mapped[list[Any]] = mapped_column(JSON)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HistoryRow(Base):
    """The normalised weekly HistoryFrame of a dataset (never the raw daily rows)."""

    __tablename__ = "dataset_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    store_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[float] = mapped_column(Float)
    revenue: Mapped[float | None] = mapped_column(Float, nullable=True)
    days: Mapped[int] = mapped_column(Integer)


class HistoryColumns(Base):
    """A columnar copy of one category's HistoryFrame rows (numpy arrays in an .npz), written at import;
    the rows of dataset_history stay the record (core/orchestrator/queries/frames.py reads either)."""

    __tablename__ = "dataset_history_columns"
    __table_args__ = (UniqueConstraint("dataset_id", "category", name="uq_dataset_history_columns"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class StoreRow(Base):
    __tablename__ = "dataset_stores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[str] = mapped_column(String(100))
    # Only store_id is required of a stores file: an attribute it lacks is NULL for every store.
    avg_weekly_sales_12mo: Mapped[float | None] = mapped_column(Float, nullable=True)
    store_size_sqft: Mapped[float | None] = mapped_column(Float, nullable=True)
    median_income: Mapped[float | None] = mapped_column(Float, nullable=True)
    location_tier: Mapped[str | None] = mapped_column(String(10), nullable=True)
    fashion_tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    store_format: Mapped[str | None] = mapped_column(String(20), nullable=True)
    region: Mapped[str | None] = mapped_column(String(20), nullable=True)
    __table_args__ = (UniqueConstraint("dataset_id", "store_id", name="uq_dataset_stores_dataset_store"),)


class Workflow(Base):
    __tablename__ = "workflows"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    category: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error: Mapped[str | None] = mapped_column(ScrubbedText, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40), nullable=True)
    message: Mapped[str] = mapped_column(ScrubbedText)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (Index("ix_events_workflow_id_id", "workflow_id", "id"),)


class Approval(Base):
    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # order | markdown
    week: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # pending | accepted | modified
    proposed: Mapped[float] = mapped_column(Float)
    decided: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Upload(Base):
    """One weekly actuals file; replacing a week keeps the old row, marked superseded."""

    __tablename__ = "uploads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), index=True)
    week: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    # active | superseded | queued (stored ahead of a missing earlier week; the engine applies it in order)
    status: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(500))
    raw_file_id: Mapped[int | None] = mapped_column(ForeignKey("raw_files.id"), nullable=True)
    total: Mapped[int] = mapped_column(BigInteger)  # a week's units; 32 bits overflow on PostgreSQL
    missing_stores: Mapped[list[Any]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    confirmed_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    # A confirmed partial week: the dates it lacked and its days' share of the week's plan (NULL: full week).
    missing_dates: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    plan_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (UniqueConstraint("workflow_id", "week", "version", name="uq_uploads_wf_week_version"),)


class ActualRow(Base):
    """Units sold per store in one uploaded week (the daily detail stays in the raw file)."""

    __tablename__ = "actuals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), index=True)
    workflow_id: Mapped[str] = mapped_column(String(32), index=True)
    week: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)


class ForecastRevision(Base):
    __tablename__ = "forecasts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    after_week: Mapped[int] = mapped_column(Integer)  # actual weeks known when it was made
    total: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanRevision(Base):
    """Allocation plans (initial, then remaining-season re-plans) per revision."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # allocation | reallocation
    revision: Mapped[int] = mapped_column(Integer)
    after_week: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Comparison(Base):
    """A scenario-lab comparison: its inputs (parameter sets, demand source, seed) and the
    results document, as `python -m core compare` and the Scenarios page produced them."""

    __tablename__ = "comparisons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # replay | monte-carlo | observed
    workflow_id: Mapped[str | None] = mapped_column(
        ForeignKey("workflows.id", ondelete="CASCADE"), nullable=True, index=True
    )
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"), nullable=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    results: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StepLease(Base):
    """Who runs a workflow's pending step right now (docs/architecture.md, "Step engine").

    A claim is a lease, not a bare PID: the owner's host, PID *and* process start time (so a PID
    reused by another process does not keep a dead claim alive), renewed by a heartbeat and
    expiring at `expires_at` (so a claim from another host can be judged too)."""

    __tablename__ = "step_leases"
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(40))
    owner: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    process_start: Mapped[str] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


ALL_TABLES = [t.name for t in Base.metadata.sorted_tables]
