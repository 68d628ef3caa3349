"""Finds runs whose worker died (no heartbeat within the lease) and ends or re-queues them.

Any worker or console runs this every few seconds; the conditional UPDATE makes it safe
for many to do so at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, select, update

from app.clock import utcnow
from app.db import tables
from app.engine import notify
from app.engine.registry import job_types
from app.engine.runs import add_log
from app.engine.status import RunStatus

table = tables.job_runs
LEASE_SECONDS = 10.0
MAX_ATTEMPTS = 3


def recover_orphans(engine: Engine, lease_seconds: float = LEASE_SECONDS) -> list[int]:
    """Returns the ids of runs it recovered."""
    cutoff = utcnow() - dt.timedelta(seconds=lease_seconds)
    stale = and_(table.c.status == RunStatus.STARTED.value, table.c.heartbeat_at < cutoff)
    with engine.connect() as conn:
        rows = conn.execute(
            select(table.c.id, table.c.type, table.c.worker, table.c.heartbeat_at, table.c.attempts,
                   table.c.cancel_requested).where(stale)
        ).all()
    recovered = []
    types = job_types()
    for row in rows:
        seen = row.heartbeat_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        why = f"Worker {row.worker} stopped responding (last heartbeat {seen})"
        job = types.get(row.type)
        now = utcnow()
        if row.cancel_requested:
            values = dict(status=RunStatus.STOPPED.value, finished_at=now, error=None)
            message = f"{why}; the run had been asked to stop, so it ends as cancelled"
        elif job is not None and job.resumable and row.attempts < MAX_ATTEMPTS:
            values = dict(status=RunStatus.PENDING.value, worker=None)
            message = f"{why}; re-queued to resume from its last committed checkpoint"
        else:
            error = f"{why}; the run was abandoned" + (f" after {row.attempts} attempts" if job and job.resumable else "")
            values = dict(status=RunStatus.FAILED.value, finished_at=now, error=error)
            message = f"Failed: {error}"  # the log ends with the error the summary shows
        with engine.begin() as conn:
            done = conn.execute(update(table).where(and_(table.c.id == row.id, stale)).values(updated_at=now, **values)).rowcount
            if done:
                add_log(conn, row.id, message, "error" if values["status"] == RunStatus.FAILED.value else "warning")
                notify.run_changed(conn, row.id)
                if values["status"] == RunStatus.PENDING.value:
                    notify.send(conn, notify.QUEUE, str(row.id))
                recovered.append(int(row.id))
    return recovered
