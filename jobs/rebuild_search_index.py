"""Troubleshooting: rebuild the full-text search index of leads, contacts and accounts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.db import search
from app.db.engine import write_transaction
from app.db.scope import owner_ids
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from jobs._options import ScopedOptions
from jobs._scope import scope_exists

Module = Literal["leads", "contacts", "accounts"]


class Options(ScopedOptions):
    modules: list[Module] = Field(default_factory=lambda: ["leads", "contacts", "accounts"], min_length=1,
                                  title="Modules", description="Which modules to index.")


def run(ctx: JobContext, options: Options) -> None:
    workspaces = ctx.workspace_ids()
    ctx.total(len(workspaces) * len(options.modules))
    for workspace_id in workspaces:
        for module in options.modules:
            ctx.check_stop()
            with write_transaction(ctx.engine) as conn:
                owners = owner_ids(conn, options.employee_id, options.org_unit_id)
                if ctx.dry_run:
                    counts = search.compare(conn, module, workspace_id, owners)
                    if options.force:
                        counts.changed, counts.unchanged = counts.changed + counts.unchanged, 0
                else:
                    counts = search.refresh(conn, module, workspace_id, owners, force=options.force)
            verb = "would be" if ctx.dry_run else "were"
            ctx.log(f"Workspace {workspace_id}, {module}: {counts.new} documents {verb} added, {counts.changed} "
                    f"replaced, {counts.removed} removed, {counts.unchanged} already current")
            ctx.count(processed=1, created=counts.new, updated=counts.changed)
            ctx.result[f"{workspace_id}:{module}"] = vars(counts)
    if ctx.dry_run:
        ctx.log("Dry run: nothing was changed")


JOB = JobType(
    key="rebuild_search_index",
    title="Rebuild search index",
    category=Category.TROUBLESHOOTING,
    description="Re-create the full-text search documents of leads, contacts and accounts, e.g. after a "
                "configuration change or a failed migration. Only missing or stale documents are rewritten "
                "unless Force Recompute is set.",
    options=Options,
    run=run,
    check=scope_exists,
)
