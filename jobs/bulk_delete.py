"""Operation: delete the records a filter selects — counted first, then in cancellable batches."""

from __future__ import annotations

from pydantic import model_validator

from app.db.engine import write_transaction
from app.domain import batches, bulk
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from app.records.modules import module_table
from jobs._options import DryRunOptions
from jobs._records import MODULE_FIELD, ModuleName, check_filter, filter_field, selections

BATCH = 5_000


class Options(DryRunOptions):
    module: ModuleName = MODULE_FIELD
    where: list[str] = filter_field(required=True)  # type: ignore[assignment]

    @model_validator(mode="after")
    def _check(self) -> Options:
        check_filter(self.module, self.where)
        return self


def run(ctx: JobContext, options: Options) -> None:
    table = module_table(options.module)
    plans = selections(ctx, options.module, options.where)
    total = sum(n for *_, n in plans)
    ctx.total(total)
    verb = "would be" if ctx.dry_run else "will be"
    ctx.log(f"{total:,} {options.module} match {' AND '.join(options.where)} and {verb} deleted"
            + ("" if ctx.dry_run else f", in batches of {BATCH:,}"))
    ctx.result = {"matching": total, "deleted": 0, "dry_run": ctx.dry_run}
    if ctx.dry_run:
        ctx.count(processed=total)
        ctx.log("Dry run: nothing was deleted")
        return
    for workspace_id, where, matching in plans:
        if not matching:
            continue
        for ids in batches.id_ranges(ctx.engine, table, where, BATCH):
            ctx.check_stop()
            with write_transaction(ctx.engine) as conn:
                deleted = bulk.delete_records(conn, options.module, ids.clause(table) & where)
            ctx.count(processed=deleted)
            ctx.result["deleted"] += deleted
        ctx.log(f"Workspace {workspace_id}: {matching:,} {options.module} deleted")


JOB = JobType(
    key="bulk_delete",
    title="Bulk Delete",
    category=Category.OPERATION,
    description="Delete every record the filter selects (records that existed by the end of the run date). The "
                "count is shown first; deletion runs in batches and a cancel keeps what was already deleted.",
    options=Options,
    run=run,
)
