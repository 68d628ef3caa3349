"""Daily: retention clean-up. Old job history is archived (details go, summary counters stay),
expired export and failed-records files are deleted. Periods are admin settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, delete, or_, select, update

from app.db import tables
from app.db.engine import write_transaction
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from app.engine.status import FINISHED
from app.settings_store import retention_days
from jobs._options import DryRunOptions

runs, artifacts, chunks = tables.job_runs, tables.artifacts, tables.artifact_chunks
BATCH = 200
FILE_KINDS = {"export": "export", "error_report": "export", "failed_records": "failed_records"}


class Options(DryRunOptions):
    pass


def day_end(run_date: dt.date) -> dt.datetime:
    """A run for day D treats everything before the end of D as past."""
    return dt.datetime.combine(run_date + dt.timedelta(days=1), dt.time())


def expired_files(conn: Connection, run_date: dt.date) -> list[int]:
    days = retention_days(conn)
    end = day_end(run_date)
    conds = [and_(artifacts.c.kind.in_([k for k, p in FILE_KINDS.items() if p == policy]),
                  artifacts.c.created_at < end - dt.timedelta(days=days[policy]))
             for policy in set(FILE_KINDS.values())]
    return [int(i) for i in conn.execute(select(artifacts.c.id).where(or_(*conds)).order_by(artifacts.c.id)).scalars()]


def archivable_runs(conn: Connection, run_date: dt.date) -> list[int]:
    cutoff = day_end(run_date) - dt.timedelta(days=retention_days(conn)["history"])
    stmt = select(runs.c.id).where(and_(runs.c.archived.is_(False), runs.c.queued_at < cutoff,
                                        runs.c.status.in_([s.value for s in FINISHED]))).order_by(runs.c.id)
    return [int(i) for i in conn.execute(stmt).scalars()]


def archive(conn: Connection, run_ids: list[int]) -> None:
    """Drop a run's details (log, row errors, files, checkpoint); keep its summary row."""
    conn.execute(delete(tables.job_logs).where(tables.job_logs.c.run_id.in_(run_ids)))
    conn.execute(delete(tables.job_row_errors).where(tables.job_row_errors.c.run_id.in_(run_ids)))
    files = select(artifacts.c.id).where(artifacts.c.run_id.in_(run_ids))
    conn.execute(delete(chunks).where(chunks.c.artifact_id.in_(files)))
    conn.execute(delete(artifacts).where(artifacts.c.run_id.in_(run_ids)))
    conn.execute(update(runs).where(runs.c.id.in_(run_ids)).values(archived=True, checkpoint=None))


def delete_files(conn: Connection, artifact_ids: list[int]) -> None:
    conn.execute(delete(chunks).where(chunks.c.artifact_id.in_(artifact_ids)))
    conn.execute(delete(artifacts).where(artifacts.c.id.in_(artifact_ids)))


def run(ctx: JobContext, options: Options) -> None:
    with ctx.engine.connect() as conn:
        files = expired_files(conn, ctx.run_date)
        old_runs = [i for i in archivable_runs(conn, ctx.run_date) if i != ctx.run_id]
        days = retention_days(conn)
    ctx.total(len(files) + len(old_runs))
    ctx.log(f"Retention: history {days['history']} days, export files {days['export']} days, "
            f"failed-records files {days['failed_records']} days")
    ctx.log(f"{len(files)} expired files and {len(old_runs)} runs to archive for {ctx.run_date.isoformat()}")
    ctx.result = {"files_deleted": 0, "runs_archived": 0, "dry_run": ctx.dry_run}
    if ctx.dry_run:
        ctx.count(processed=len(files) + len(old_runs))
        ctx.result.update(files_to_delete=len(files), runs_to_archive=len(old_runs))
        ctx.log("Dry run: nothing was changed")
        return
    for start in range(0, len(files), BATCH):
        ctx.check_stop()
        batch = files[start:start + BATCH]
        with write_transaction(ctx.engine) as conn:
            delete_files(conn, batch)
        ctx.count(processed=len(batch), updated=len(batch))
        ctx.result["files_deleted"] += len(batch)
    for start in range(0, len(old_runs), BATCH):
        ctx.check_stop()
        batch = old_runs[start:start + BATCH]
        with write_transaction(ctx.engine) as conn:
            archive(conn, batch)
        ctx.count(processed=len(batch), updated=len(batch))
        ctx.result["runs_archived"] += len(batch)
    with write_transaction(ctx.engine) as conn:
        cutoff = ctx.run_date - dt.timedelta(days=days["history"])
        conn.execute(delete(tables.schedule_decisions).where(tables.schedule_decisions.c.run_date < cutoff))


def due(conn: Connection, run_date: dt.date):  # type: ignore[no-untyped-def]
    """One global run when anything has passed its retention on that day; otherwise skipped."""
    pending = len(expired_files(conn, run_date)) + len(archivable_runs(conn, run_date))
    if pending:
        return [(None, f"{pending} items past retention")], []
    return [], [(None, "nothing past retention")]


JOB = JobType(
    key="retention_cleanup",
    title="Retention clean-up",
    category=Category.SCHEDULED,
    description="Archive job history older than the retention period (summary counters stay) and delete "
                "expired export and failed-records files.",
    options=Options,
    run=run,
    per_workspace=False,
    due=due,
)
