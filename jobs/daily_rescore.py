"""Scheduled: re-score every workspace whose lead scores are out of date on the day (rules
changed, leads edited, or age rules crossing a threshold)."""

from __future__ import annotations

from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType, NoOptions
from jobs._scoring import due_by_workspace, run_scoring


def run(ctx: JobContext, options: NoOptions) -> None:
    run_scoring(ctx)


JOB = JobType(
    key="daily_rescore",
    title="Daily re-score",
    category=Category.SCHEDULED,
    description="Every day, bring lead scores in line with the scoring rules as of that day. Workspaces whose "
                "scores are already current are skipped.",
    module="leads",
    run=run,
    due=due_by_workspace,
)
