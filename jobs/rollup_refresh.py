"""Scheduled: refresh the account roll-ups of accounts whose contacts or leads changed."""

from __future__ import annotations

from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType, NoOptions
from jobs._rollups import due_by_workspace, run_rollups


def run(ctx: JobContext, options: NoOptions) -> None:
    run_rollups(ctx)


JOB = JobType(
    key="rollup_refresh",
    title="Account roll-up refresh",
    category=Category.SCHEDULED,
    description="Every day, recompute contacts, open leads and average lead score of the accounts whose contacts "
                "or leads changed since their last refresh. Workspaces with no such account are skipped.",
    module="accounts",
    run=run,
    due=due_by_workspace,
)
