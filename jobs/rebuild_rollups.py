"""Troubleshooting: rebuild account roll-ups for one employee, one branch of the org tree, or all."""

from __future__ import annotations

from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from jobs._options import ScopedOptions
from jobs._rollups import run_rollups
from jobs._scope import scope_exists, scope_owners


def run(ctx: JobContext, options: ScopedOptions) -> None:
    run_rollups(ctx, owners=scope_owners(ctx, options, "accounts"), force=options.force)


JOB = JobType(
    key="rebuild_rollups",
    title="Rebuild roll-ups",
    category=Category.TROUBLESHOOTING,
    description="Rebuild the per-account roll-ups (contacts, open leads, average lead score). Without Force "
                "Recompute only accounts changed since their last refresh are looked at; with it, every account "
                "in scope. Employee ID or Org Unit ID narrow the scope to the accounts those employees own.",
    options=ScopedOptions,
    module="accounts",
    run=run,
    check=scope_exists,
)
