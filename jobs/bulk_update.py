"""Operation: set one or more fields on the records a filter selects, validated like an import."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from app.clock import utcnow
from app.db.engine import write_transaction
from app.domain import batches, bulk
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from app.records.fields import field_map, load_lookups, match_key, validate_row
from app.records.modules import module_table
from jobs._options import DryRunOptions
from jobs._records import MODULE_FIELD, ModuleName, check_filter, filter_field, selections

BATCH = 50_000


class Options(DryRunOptions):
    module: ModuleName = MODULE_FIELD
    where: list[str] = filter_field(required=False)  # type: ignore[assignment]
    changes: list[str] = Field(default_factory=list, min_length=1, title="Set fields",
                               description="FIELD=VALUE pairs to set, e.g. status=contacted or owner=anna@example.com; "
                                           "an empty value clears an optional field. Values follow the import rules.")

    def assignments(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.changes:
            name, sep, value = item.partition("=")
            out[name.strip().lower().replace(" ", "_").replace("-", "_")] = value.strip() if sep else ""
        return out

    @model_validator(mode="after")
    def _check(self) -> Options:
        check_filter(self.module, self.where)
        fields = field_map(self.module)
        for item in self.changes:
            if "=" not in item:
                raise ValueError(f"write each change as FIELD=VALUE, not {item!r}")
        values = self.assignments()
        for name in values:
            if name not in fields:
                raise ValueError(f"{self.module} have no field {name!r}; fields: {', '.join(fields)}")
            if name == match_key(self.module):
                raise ValueError(f"{name} identifies {self.module} and must stay unique: bulk update cannot set it")
        _, errors = validate_row(self.module, values, partial=True)
        if errors:
            raise ValueError("; ".join(message for _, message in errors))
        return self


def _clean_values(ctx: JobContext, options: Options, workspace_id: int) -> dict[str, Any] | None:
    """The values as columns for one workspace (owner/account names become ids), or None."""
    with ctx.engine.connect() as conn:
        lookups = load_lookups(conn, workspace_id, options.module)
    clean, errors = validate_row(options.module, options.assignments(), lookups, partial=True)
    for field, message in errors:
        ctx.row_error(None, f"Workspace {workspace_id}: {message}", field=field, raw=options.assignments())
    return None if errors else clean


def run(ctx: JobContext, options: Options) -> None:
    table = module_table(options.module)
    plans = selections(ctx, options.module, options.where)
    ctx.total(sum(n for *_, n in plans))
    now = utcnow()
    changed_total = 0
    for workspace_id, where, matching in plans:
        values = _clean_values(ctx, options, workspace_id) if matching else {}
        if values is None:
            ctx.count(processed=matching, failed=matching)
            continue
        ctx.log(f"Workspace {workspace_id}: {matching:,} {options.module} match; setting "
                + ", ".join(f"{k}={v!r}" for k, v in options.assignments().items()))
        changed = 0
        for ids in batches.id_ranges(ctx.engine, table, where, BATCH):
            ctx.check_stop()
            batch = ids.clause(table) & where
            with write_transaction(ctx.engine) as conn:
                if ctx.dry_run:
                    n = bulk.count_matching(conn, options.module, batch & bulk.changes_clause(options.module, values))
                else:
                    n = bulk.set_values(conn, options.module, batch, values, now)
            changed += n
            ctx.count(processed=ids.rows, **({} if ctx.dry_run else {"updated": n}))
        verb = "would change" if ctx.dry_run else "changed"
        ctx.log(f"Workspace {workspace_id}: {changed:,} records {verb}, {matching - changed:,} already had these values")
        changed_total += changed
    ctx.result = {"changed": changed_total, "dry_run": ctx.dry_run}
    if ctx.dry_run:
        ctx.log("Dry run: nothing was changed")


JOB = JobType(
    key="bulk_update",
    title="Bulk Update",
    category=Category.OPERATION,
    description="Set one or more fields on every record the filter selects (records that existed by the end of the "
                "run date). Values are checked with the import rules; only records whose values differ are written.",
    options=Options,
    run=run,
)
