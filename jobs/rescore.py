"""Operation: re-score leads from the workspace's scoring rules (field conditions → points)."""

from __future__ import annotations

from pydantic import Field, model_validator

from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from jobs._options import DryRunOptions
from jobs._records import check_filter
from jobs._scoring import run_scoring


class Options(DryRunOptions):
    where: list[str] = Field(default_factory=list, title="Filter",
                             description="Only leads matching every condition, e.g. status=new or country=Germany|France "
                                         "(operators = != ~ > >= < <=). Empty: every lead of the workspace.")

    @model_validator(mode="after")
    def _check(self) -> Options:
        check_filter("leads", self.where)
        return self


def run(ctx: JobContext, options: Options) -> None:
    run_scoring(ctx, conditions=options.where)


JOB = JobType(
    key="rescore",
    title="Re-score",
    category=Category.OPERATION,
    description="Recalculate lead scores from the workspace's scoring rules. Each lead's score is the sum of the "
                "points of the rules it matches on the run date; only scores that differ are written.",
    options=Options,
    module="leads",
    run=run,
)
