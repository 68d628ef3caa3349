"""The Schedules page's data: each scheduled job, when the daily pass runs next, its last
run, and what the scheduler decided today per workspace (enqueued, or skipped and why)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, func, select

from app.api.launch import LaunchRequest, launch
from app.db import tables
from app.engine.jobtype import Category
from app.engine.registry import by_category
from app.engine.scheduler import DAILY_AT
from app.engine.status import RunStatus

runs, decisions, workspaces = tables.job_runs, tables.schedule_decisions, tables.workspaces


@dataclass(frozen=True)
class LastRun:
    id: int
    status: RunStatus
    run_date: dt.date
    queued_at: dt.datetime
    finished_at: dt.datetime | None
    initiated_by: str | None


@dataclass(frozen=True)
class Decision:
    workspace: str  # the workspace's name, or "All workspaces" for a global job
    decision: str  # enqueued | skipped
    reason: str
    run_id: int | None


@dataclass(frozen=True)
class ScheduledJob:
    key: str
    title: str
    description: str
    per_workspace: bool
    last_run: LastRun | None
    decisions: list[Decision] = field(default_factory=list)
    decided_on: dt.date | None = None  # the day of those decisions: today, or the last pass before it

    @property
    def skipped(self) -> list[Decision]:
        return [d for d in self.decisions if d.decision == "skipped"]

    @property
    def enqueued(self) -> list[Decision]:
        return [d for d in self.decisions if d.decision == "enqueued"]


def next_daily_run(now: dt.datetime, hour: int = DAILY_AT[0], minute: int = DAILY_AT[1]) -> dt.datetime:
    """The next daily pass after `now` (local time), as the DailyScheduler's cron fires it."""
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


def _last_run(engine: Engine, job_key: str) -> LastRun | None:
    stmt = (select(runs.c.id, runs.c.status, runs.c.run_date, runs.c.queued_at, runs.c.finished_at,
                   runs.c.initiated_by)
            .where(runs.c.type == job_key).order_by(runs.c.queued_at.desc(), runs.c.id.desc()).limit(1))
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return LastRun(int(row.id), RunStatus(row.status), row.run_date, row.queued_at, row.finished_at, row.initiated_by)


def _decisions(engine: Engine, day: dt.date) -> dict[str, tuple[dt.date, list[Decision]]]:
    """Per job type, the decisions of `day` — or of its last pass before `day` when there is
    none yet today (e.g. before midnight's pass, or with the scheduler off)."""
    latest = (select(decisions.c.job_type, func.max(decisions.c.run_date).label("day"))
              .where(decisions.c.run_date <= day).group_by(decisions.c.job_type).subquery())
    stmt = (select(decisions.c.job_type, decisions.c.run_date, workspaces.c.name, decisions.c.decision,
                   decisions.c.reason, decisions.c.run_id)
            .join(latest, and_(latest.c.job_type == decisions.c.job_type, latest.c.day == decisions.c.run_date))
            .outerjoin(workspaces, workspaces.c.id == decisions.c.workspace_id)
            .order_by(decisions.c.job_type, workspaces.c.name))
    found: dict[str, tuple[dt.date, list[Decision]]] = {}
    with engine.connect() as conn:
        for job_type, run_date, name, decision, reason, run_id in conn.execute(stmt):
            found.setdefault(job_type, (run_date, []))[1].append(
                Decision(name or "All workspaces", decision, reason or "", int(run_id) if run_id else None))
    return found


def scheduled_jobs(engine: Engine, day: dt.date) -> list[ScheduledJob]:
    """Every scheduled job type with its last run and the scheduler's decisions for `day`."""
    passes = _decisions(engine, day)
    jobs: list[ScheduledJob] = []
    for job in sorted(by_category(Category.SCHEDULED), key=lambda j: j.title):
        decided_on, found = passes.get(job.key, (None, []))
        jobs.append(ScheduledJob(job.key, job.title, job.description, job.per_workspace,
                                 _last_run(engine, job.key), found, decided_on))
    return jobs


def run_now(engine: Engine, job_key: str, run_date: dt.date) -> int:
    """A manual run for every workspace, bypassing the scheduler's 'nothing to do' check."""
    (run_id,) = launch(engine, [LaunchRequest(job_key, {})], workspace_id=None, run_date=run_date)
    return run_id
