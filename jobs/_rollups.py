"""The roll-up refresh shared by the daily job and the troubleshooting rebuild."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from app.clock import utcnow
from app.db.engine import write_transaction
from app.domain import rollups
from app.domain.batches import as_of
from app.engine.context import JobContext
from jobs._scope import due_per_workspace

BATCH = 1_000


def run_rollups(ctx: JobContext, *, owners: list[int] | None = None, force: bool = False) -> None:
    at = as_of(ctx.run_date, utcnow())
    with ctx.engine.connect() as conn:
        plans = [(ws, rollups.candidates(conn, ws, owners, at, force=force)) for ws in ctx.workspace_ids()]
    ctx.total(sum(len(ids) for _, ids in plans))
    for workspace_id, ids in plans:
        what = "accounts in scope" if force else "accounts changed since their last refresh"
        ctx.log(f"Workspace {workspace_id}: {len(ids):,} {what}")
        done = rollups.RollupCounts()
        for start in range(0, len(ids), BATCH):
            ctx.check_stop()
            chunk = ids[start:start + BATCH]
            with write_transaction(ctx.engine) as conn:
                counts = rollups.preview(conn, chunk, at) if ctx.dry_run else rollups.refresh(conn, chunk, at, force=force)
            done.add(counts)
            ctx.count(processed=len(chunk), **({} if ctx.dry_run else {"created": counts.created, "updated": counts.updated}))
        verb = "would be" if ctx.dry_run else "were"
        ctx.log(f"Workspace {workspace_id}: {done.created:,} roll-ups {verb} created, {done.updated:,} updated, "
                f"{done.unchanged:,} already current")
        ctx.result[str(workspace_id)] = vars(done)
    if ctx.dry_run:
        ctx.log("Dry run: nothing was changed")


def due_by_workspace(conn: Connection, run_date: dt.date):  # type: ignore[no-untyped-def]
    """Due in a workspace when some account changed since its roll-up was made (or has none)."""
    at = as_of(run_date, utcnow())
    return due_per_workspace(conn, lambda c, ws: rollups.count_stale(c, ws, at),
                             "{n:,} accounts changed since their last roll-up", "no account changed since the last roll-up")
