"""The daily failure digest: the runs that failed on the day before the run date, as one mail
per recipient. Its dedupe key (`digest:<day>:<recipient>`) makes it exist once per day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select

from app.db import tables
from app.domain import outbox

runs, workspaces = tables.job_runs, tables.workspaces


@dataclass(frozen=True)
class Failure:
    run_id: int
    type: str
    workspace: str | None
    finished_at: dt.datetime
    error: str | None


def window(run_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A digest for day D reports the day before it, which is complete when D starts."""
    end = dt.datetime.combine(run_date, dt.time())
    return end - dt.timedelta(days=1), end


def failures(conn: Connection, run_date: dt.date) -> list[Failure]:
    start, end = window(run_date)
    stmt = (select(runs.c.id, runs.c.type, workspaces.c.key, runs.c.finished_at, runs.c.error)
            .select_from(runs.outerjoin(workspaces, workspaces.c.id == runs.c.workspace_id))
            .where(and_(runs.c.status == "failed", runs.c.finished_at >= start, runs.c.finished_at < end))
            .order_by(runs.c.finished_at, runs.c.id))
    return [Failure(int(r.id), r.type, r.key, r.finished_at, r.error) for r in conn.execute(stmt)]


def dedupe_key(run_date: dt.date, recipient: str) -> str:
    return f"digest:{run_date.isoformat()}:{recipient.strip().lower()}"


def compose(run_date: dt.date, found: list[Failure]) -> tuple[str, str]:
    start, _ = window(run_date)
    subject = f"Batchdesk: {len(found)} failed job run{'s' if len(found) != 1 else ''} on {start.date().isoformat()}"
    lines = [f"Job runs that failed on {start.date().isoformat()} (UTC):", ""]
    for f in found:
        where = f" in {f.workspace}" if f.workspace else ""
        lines.append(f"#{f.run_id} {f.type}{where} at {f.finished_at:%H:%M} — {f.error or 'no error message'}")
    lines += ["", "Open Batchdesk and look the runs up by id for their logs and error details."]
    return subject, "\n".join(lines)


def missing_recipients(conn: Connection, run_date: dt.date, recipients: list[str]) -> list[str]:
    """The recipients who have no digest for that day yet."""
    return [r for r in recipients if not outbox.has_key(conn, dedupe_key(run_date, r))]


def queue(conn: Connection, run_date: dt.date, recipients: list[str], found: list[Failure]) -> int:
    """Put that day's digest in the outbox for each recipient who has none; returns how many."""
    if not found:
        return 0
    subject, body = compose(run_date, found)
    return sum(outbox.enqueue(conn, kind="digest", recipient=r, subject=subject, body=body,
                              dedupe_key=dedupe_key(run_date, r)) for r in recipients)
