"""Troubleshooting: recompute lead scores for one employee, one branch of the org tree, or all."""

from __future__ import annotations

from app.db.scope import owner_ids
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from jobs._options import ScopedOptions
from jobs._scoring import run_scoring


class Options(ScopedOptions):
    pass


def run(ctx: JobContext, options: Options) -> None:
    with ctx.engine.connect() as conn:
        owners = owner_ids(conn, options.employee_id, options.org_unit_id)
    if owners is not None:
        ctx.log(f"Scope: leads owned by {len(owners)} employee(s)")
    run_scoring(ctx, owners=owners, force=options.force)


JOB = JobType(
    key="recompute_scores",
    title="Recompute scores",
    category=Category.TROUBLESHOOTING,
    description="Recompute lead scores from the scoring rules, e.g. after a rule change or a failed run. Only scores "
                "that differ are written unless Force Recompute is set; Employee ID or Org Unit ID narrow the scope.",
    options=Options,
    module="leads",
    run=run,
)
