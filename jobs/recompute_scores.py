"""Troubleshooting: recompute lead scores for one employee, one branch of the org tree, or all."""

from __future__ import annotations

from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from jobs._options import ScopedOptions
from jobs._scope import scope_exists, scope_owners
from jobs._scoring import run_scoring


def run(ctx: JobContext, options: ScopedOptions) -> None:
    run_scoring(ctx, owners=scope_owners(ctx, options, "leads"), force=options.force)


JOB = JobType(
    key="recompute_scores",
    title="Recompute scores",
    category=Category.TROUBLESHOOTING,
    description="Recompute lead scores from the scoring rules, e.g. after a rule change or a failed run. Only scores "
                "that differ are written unless Force Recompute is set; Employee ID or Org Unit ID narrow the scope.",
    options=ScopedOptions,
    module="leads",
    run=run,
    check=scope_exists,
)
