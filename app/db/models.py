"""The schema: domain tables the jobs work on, and the job tables every console shares.

Timestamps are naive UTC everywhere (SQLite keeps no zone); `app.clock.utcnow()` makes them.
The migrations in `migrations/versions` are the source of truth for the database; these
classes mirror them for queries and must be kept in step (a test compares the two).
"""

from __future__ import annotations

import datetime as dt
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
    Text,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db.keyfold import key_fold

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _id() -> Mapped[int]:
    return mapped_column(BigId, primary_key=True, autoincrement=True)


# --------------------------------------------------------------------------- domain


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[int] = _id()
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OrgUnit(Base):
    __tablename__ = "org_units"
    id: Mapped[int] = _id()
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))


class Employee(Base):
    __tablename__ = "employees"
    id: Mapped[int] = _id()
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (Index("ux_employees_ws_email", "workspace_id", key_fold(literal_column("email")), unique=True),)


class _Record:
    """Columns every CRM record has: workspace, owner and change times."""

    id: Mapped[int] = _id()
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Account(_Record, Base):
    __tablename__ = "accounts"
    name: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str | None] = mapped_column(String(255))
    industry: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(255))
    employees: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        Index("ux_accounts_ws_name", "workspace_id", key_fold(literal_column("name")), unique=True),
        Index("ix_accounts_ws_updated", "workspace_id", "updated_at"),
    )


class Contact(_Record, Base):
    __tablename__ = "contacts"
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    __table_args__ = (
        Index("ux_contacts_ws_email", "workspace_id", key_fold(literal_column("email")), unique=True),
        Index("ix_contacts_ws_updated", "workspace_id", "updated_at"),
    )


class Lead(_Record, Base):
    __tablename__ = "leads"
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(255))
    company: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="new")
    score: Mapped[int] = mapped_column(Integer, default=0)
    scored_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    __table_args__ = (
        Index("ux_leads_ws_email", "workspace_id", key_fold(literal_column("email")), unique=True),
        Index("ix_leads_ws_updated", "workspace_id", "updated_at"),
    )


class ScoringRule(Base):
    """A field condition worth some points: `field operator value` → `points`."""

    __tablename__ = "scoring_rules"
    id: Mapped[int] = _id()
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(16))  # eq, ne, contains, in, not_empty, empty
    value: Mapped[str | None] = mapped_column(String(255))
    points: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AccountRollup(Base):
    """The per-account projection: counts and average score, refreshed by a daily job."""

    __tablename__ = "account_rollups"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    contacts_count: Mapped[int] = mapped_column(Integer, default=0)
    open_leads_count: Mapped[int] = mapped_column(Integer, default=0)
    avg_lead_score: Mapped[float | None] = mapped_column(Float)
    refreshed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Notification(Base):
    """The outbox: mail waiting to be delivered; dedupe_key makes delivery once per day."""

    __tablename__ = "notifications"
    id: Mapped[int] = _id()
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # notification | digest
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncState(Base):
    """Where an incremental sync left off, per source, workspace and module."""

    __tablename__ = "sync_state"
    id: Mapped[int] = _id()
    source_key: Mapped[str] = mapped_column(String(255))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(32))
    watermark: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ux_sync_state_key", "source_key", "workspace_id", "module", unique=True),)


# The search index differs per backend (PostgreSQL: table with a tsvector + GIN;
# SQLite: an FTS5 virtual table), so it is created in the migration and queried
# through app.db.search rather than declared here.

# --------------------------------------------------------------------------- jobs


class JobRun(Base):
    __tablename__ = "job_runs"
    id: Mapped[int] = _id()
    type: Mapped[str] = mapped_column(String(64))
    module: Mapped[str | None] = mapped_column(String(32))
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id", ondelete="SET NULL"))
    run_date: Mapped[dt.date] = mapped_column(Date)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    total: Mapped[int | None] = mapped_column(BigInteger)
    processed: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    updated: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped: Mapped[int] = mapped_column(BigInteger, default=0)
    failed: Mapped[int] = mapped_column(BigInteger, default=0)
    errors_count: Mapped[int] = mapped_column(BigInteger, default=0)
    file_name: Mapped[str | None] = mapped_column(String(1024))
    initiated_by: Mapped[str | None] = mapped_column(String(255))
    worker: Mapped[str | None] = mapped_column(String(255))
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    replay_of: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    schedule_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        Index("ix_job_runs_queued", "queued_at", "id"),
        Index("ix_job_runs_status_queued", "status", "queued_at"),
        Index("ix_job_runs_type_queued", "type", "queued_at"),
        Index("ix_job_runs_module_queued", "module", "queued_at"),
        Index("ix_job_runs_user_queued", "initiated_by", "queued_at"),
        Index("ix_job_runs_ws_queued", "workspace_id", "queued_at"),
        Index("ix_job_runs_updated", "updated_at"),
        Index("ix_job_runs_started_hb", "status", "heartbeat_at"),
        Index("ix_job_runs_pending", "id", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        # migration 0003: the console's history sorts (column, id) in both directions
        *(Index(f"ix_job_runs_sort_{c}", c, "id") for c in (
            "type", "module", "file_name", "status", "processed", "created", "updated", "skipped",
            "failed", "errors_count", "started_at", "finished_at", "initiated_by", "workspace_id")),
        # (and ix_job_runs_sort_duration on the backend's duration expression, made in 0003 only)
        # migration 0006: the same sorts under a status filter, for the columns that follow status
        *(Index(f"ix_job_runs_status_sort_{c}", "status", c, "id") for c in ("skipped", "failed", "errors_count")),
        # (and ix_job_runs_status_sort_duration, made in 0006 only)
        # migration 0007: File Name under a type filter (only imports have file names)
        Index("ix_job_runs_type_sort_file_name", "type", "file_name", "id"),
        # (and ix_job_runs_search_trgm, the text search's pg_trgm index, made in 0008 on PostgreSQL only)
    )


class JobLog(Base):
    __tablename__ = "job_logs"
    id: Mapped[int] = _id()
    run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    level: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_job_logs_run", "run_id", "id"),)


class JobRowError(Base):
    __tablename__ = "job_row_errors"
    id: Mapped[int] = _id()
    run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"))
    row_number: Mapped[int | None] = mapped_column(BigInteger)
    field: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[Any] = mapped_column(JSON)
    __table_args__ = (Index("ix_job_row_errors_run", "run_id", "row_number"),)


class Artifact(Base):
    """A file a run produced or consumed, stored in the database so every workstation has it."""

    __tablename__ = "artifacts"
    id: Mapped[int] = _id()
    run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # source, export, failed_records, error_report
    name: Mapped[str] = mapped_column(String(1024))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)


class ArtifactChunk(Base):
    __tablename__ = "artifact_chunks"
    artifact_id: Mapped[int] = mapped_column(ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MappingTemplate(Base):
    __tablename__ = "mapping_templates"
    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(255), unique=True)
    module: Mapped[str] = mapped_column(String(32))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ScheduleDecision(Base):
    """What the daily scheduler decided per job, workspace and day: enqueued or skipped."""

    __tablename__ = "schedule_decisions"
    id: Mapped[int] = _id()
    job_type: Mapped[str] = mapped_column(String(64))
    run_date: Mapped[dt.date] = mapped_column(Date)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))  # enqueued | skipped
    reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_schedule_decisions_day", "run_date", "job_type"),)
