"""Scope helpers the daily and troubleshooting jobs share: owners in scope, per-workspace due checks."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, select

from app.db import tables
from app.db.scope import check_scope, owner_ids
from app.engine.context import JobContext
from jobs._options import ScopedOptions


def scope_owners(ctx: JobContext, options: ScopedOptions, records: str) -> list[int] | None:
    """The owners an Employee ID / Org Unit ID option narrows the run to (None: everyone)."""
    with ctx.engine.connect() as conn:
        owners = owner_ids(conn, options.employee_id, options.org_unit_id)
    if owners is not None:
        ctx.log(f"Scope: {records} owned by {len(owners)} employee(s)")
    return owners


def scope_exists(conn: Connection, options: ScopedOptions) -> None:
    """JobType.check of the scoped jobs: the Employee ID / Org Unit ID must name someone."""
    check_scope(conn, options.employee_id, options.org_unit_id)


def due_per_workspace(conn: Connection, pending: Callable[[Connection, int], int], due_text: str,
                      skip_text: str):  # type: ignore[no-untyped-def]
    """Ask each workspace how much work it has: due (with `due_text` % count) or skipped."""
    due, skipped = [], []
    for workspace_id in conn.execute(select(tables.workspaces.c.id).order_by(tables.workspaces.c.id)).scalars():
        n = pending(conn, int(workspace_id))
        if n:
            due.append((int(workspace_id), due_text.format(n=n)))
        else:
            skipped.append((int(workspace_id), skip_text))
    return due, skipped
