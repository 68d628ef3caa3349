"""The scoring run shared by Re-score, Daily re-score and Recompute scores: per workspace,
the rules become one SQL expression, applied batch by batch with a cancel check between."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_

from app.clock import utcnow
from app.db import tables
from app.db.engine import write_transaction
from app.domain import batches, scoring
from app.domain.records import scope_clause
from app.engine.context import JobContext
from jobs._scope import due_per_workspace

leads = tables.leads
BATCH = 50_000


@dataclass(frozen=True)
class Plan:
    workspace_id: int
    expr: ColumnElement[int]
    where: ColumnElement[bool]
    rules: int
    leads: int


def plan(conn: Connection, workspace_id: int, run_date: dt.date, *, owners: list[int] | None = None,
         conditions: Sequence[str] = ()) -> tuple[Plan, list[str]]:
    rules, problems = scoring.load_rules(conn, workspace_id)
    where = scope_clause("leads", workspace_id, owners=owners, run_date=run_date, conditions=conditions)
    expr = scoring.score_expression(rules, run_date)
    return Plan(workspace_id, expr, where, len(rules), batches.count(conn, leads, where)), problems


def pending_changes(conn: Connection, workspace_id: int, run_date: dt.date) -> int:
    """How many lead scores in the workspace differ from what its rules give on that day."""
    found, _ = plan(conn, workspace_id, run_date)
    return scoring.count_changes(conn, found.expr, found.where)


def run_scoring(ctx: JobContext, *, owners: list[int] | None = None, conditions: Sequence[str] = (),
                force: bool = False) -> None:
    plans: list[Plan] = []
    with ctx.engine.connect() as conn:
        for workspace_id in ctx.workspace_ids():
            found, problems = plan(conn, workspace_id, ctx.run_date, owners=owners, conditions=conditions)
            for problem in problems:
                ctx.log(f"Workspace {workspace_id}: skipped {problem}", "warning")
            plans.append(found)
    ctx.total(sum(p.leads for p in plans))
    now = utcnow()
    changed_total = 0
    for p in plans:
        ctx.log(f"Workspace {p.workspace_id}: {p.leads:,} leads in scope, {p.rules} scoring rules, "
                f"scored as of {ctx.run_date.isoformat()}")
        changed = 0
        for ids in batches.id_ranges(ctx.engine, leads, p.where, BATCH):
            ctx.check_stop()
            where = and_(p.where, ids.clause(leads))
            with write_transaction(ctx.engine) as conn:
                if ctx.dry_run:
                    differ = scoring.count_changes(conn, p.expr, where)
                elif force:
                    differ = scoring.count_changes(conn, p.expr, where)
                    scoring.apply_scores(conn, p.expr, where, now, force=True)
                else:
                    differ = scoring.apply_scores(conn, p.expr, where, now, force=False)
            changed += differ
            ctx.count(processed=ids.rows, **({} if ctx.dry_run else {"updated": differ}))
        verb = "would change" if ctx.dry_run else "changed"
        ctx.log(f"Workspace {p.workspace_id}: {changed:,} scores {verb}, {p.leads - changed:,} unchanged"
                + (" (all rewritten: Force Recompute)" if force and not ctx.dry_run else ""))
        ctx.result[str(p.workspace_id)] = {"leads": p.leads, "changed": changed, "unchanged": p.leads - changed}
        changed_total += changed
    ctx.result["changed"] = changed_total
    if ctx.dry_run:
        ctx.log("Dry run: nothing was changed")


def due_by_workspace(conn: Connection, run_date: dt.date):  # type: ignore[no-untyped-def]
    """Daily re-score is due in a workspace when some lead's score differs from its rules' on that day."""
    return due_per_workspace(conn, lambda c, ws: pending_changes(c, ws, run_date),
                             f"{{n:,}} lead scores change on {run_date.isoformat()}", "every lead score is current")
