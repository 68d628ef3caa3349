"""The daily scheduler: asks each scheduled job which workspaces need it, and enqueues one
run per job, workspace and day. The unique schedule key on job_runs — not timing — is what
keeps many consoles and workers from making two."""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import BigInteger, Engine, and_, exists, insert, literal, select

from app.clock import today, utcnow
from app.db import tables
from app.db.engine import write_transaction
from app.engine.jobtype import Category, JobType
from app.engine.registry import by_category
from app.engine.runs import insert_run, validate_params

log = logging.getLogger(__name__)
decisions = tables.schedule_decisions
DAILY_AT = (0, 5)  # local time: just after midnight


def schedule_key(job: JobType, workspace_id: int | None, run_date: dt.date) -> str:
    return f"{job.key}:{workspace_id if workspace_id is not None else '*'}:{run_date.isoformat()}"


def enqueue_due(engine: Engine, run_date: dt.date | None = None) -> list[int]:
    """Enqueue today's (or run_date's) scheduled runs; returns the ids this call created."""
    day = run_date or today()
    created: list[int] = []
    for job in by_category(Category.SCHEDULED):
        if job.due is None:
            continue
        params = validate_params(job, {})
        # Ask in a read-only connection, then write in a transaction that holds the write
        # lock from its start (see write_transaction), so concurrent schedulers queue up.
        with engine.connect() as conn:
            due, skipped = job.due(conn, day)
        with write_transaction(engine) as conn:
            for workspace_id, reason in due:
                run_id = insert_run(conn, job, params, workspace_id=workspace_id, run_date=day,
                                    initiated_by="scheduler", schedule_key=schedule_key(job, workspace_id, day))
                if run_id is not None:
                    created.append(run_id)
                    _decide(conn, job, day, workspace_id, "enqueued", reason, run_id)
            for workspace_id, reason in skipped:
                _decide(conn, job, day, workspace_id, "skipped", reason, None)
    return created


def _decide(conn, job: JobType, day: dt.date, workspace_id: int | None, decision: str,  # type: ignore[no-untyped-def]
            reason: str, run_id: int | None) -> None:
    """Record a decision once per job, workspace and day (the Schedules page shows them)."""
    ws_cond = decisions.c.workspace_id.is_(None) if workspace_id is None else decisions.c.workspace_id == workspace_id
    seen = select(decisions.c.id).where(and_(decisions.c.job_type == job.key, decisions.c.run_date == day, ws_cond))
    row = select(literal(job.key), literal(day), literal(workspace_id, BigInteger), literal(decision), literal(reason),
                 literal(run_id, BigInteger), literal(utcnow())).where(~exists(seen))
    # One INSERT … SELECT WHERE NOT EXISTS: a single write statement (see enqueue_due).
    conn.execute(insert(decisions).from_select(
        ["job_type", "run_date", "workspace_id", "decision", "reason", "run_id", "decided_at"], row))


class DailyScheduler:
    """APScheduler in a background thread: a catch-up pass at start, then daily at 00:05."""

    def __init__(self, engine: Engine, hour: int = DAILY_AT[0], minute: int = DAILY_AT[1]) -> None:
        self.engine = engine
        self.scheduler = BackgroundScheduler(daemon=True)
        self.scheduler.add_job(self.tick, CronTrigger(hour=hour, minute=minute), id="daily",
                               coalesce=True, misfire_grace_time=3600)

    def tick(self) -> None:
        try:
            created = enqueue_due(self.engine)
            if created:
                log.info("scheduled runs enqueued: %s", created)
        except Exception as exc:
            log.error("scheduler pass failed: %s", exc)

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(self.tick, id="catch-up")

    def next_run_time(self) -> dt.datetime | None:
        job = self.scheduler.get_job("daily")
        return job.next_run_time if job else None

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
