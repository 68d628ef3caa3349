"""Troubleshooting: rebuild account roll-ups for one employee, one branch of the org tree, or all."""

from __future__ import annotations

from app.db.scope import owner_ids
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from jobs._options import ScopedOptions
from jobs._rollups import run_rollups


class Options(ScopedOptions):
    pass


def run(ctx: JobContext, options: Options) -> None:
    with ctx.engine.connect() as conn:
        owners = owner_ids(conn, options.employee_id, options.org_unit_id)
    if owners is not None:
        ctx.log(f"Scope: accounts owned by {len(owners)} employee(s)")
    run_rollups(ctx, owners=owners, force=options.force)


JOB = JobType(
    key="rebuild_rollups",
    title="Rebuild roll-ups",
    category=Category.TROUBLESHOOTING,
    description="Rebuild the per-account roll-ups (contacts, open leads, average lead score). Without Force "
                "Recompute only accounts changed since their last refresh are looked at; with it, every account "
                "in scope. Employee ID or Org Unit ID narrow the scope to the accounts those employees own.",
    options=Options,
    module="accounts",
    run=run,
)
