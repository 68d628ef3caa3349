"""Operation: pull records of a module from an external source, incrementally, and merge them
by match key the way imports do. Each batch is committed with the source watermark, so a
cancel keeps what was synced and the next run goes on from there."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from app.clock import utcnow
from app.db.engine import write_transaction
from app.domain import upsert
from app.domain.batches import day_end
from app.domain.sync_sources import FolderSource, SqlSource, load_watermark, save_watermark, url_has_password
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from app.records.fields import field_map, load_lookups, validate_row
from jobs._options import DryRunOptions
from jobs._records import MODULE_FIELD, ModuleName

BATCH = 1_000


class Options(DryRunOptions):
    module: ModuleName = MODULE_FIELD
    source: Literal["database", "folder"] = Field(
        "database", title="Source", description="Another SQL database (by URL) or a drop folder of CSV files.")
    url: str = Field("", title="Database URL",
                     description="SQLAlchemy URL of the source database, e.g. postgresql://user@host/crm or "
                                 "sqlite:////data/legacy.db (source Database). No password here: it is read from the "
                                 "OS keyring (service batchdesk-sync, user USER@HOST).")
    table: str = Field("", title="Source table", description="The table to read (source Database).")
    change_column: str = Field("updated_at", title="Change column",
                               description="Column that grows when a source row changes; rows after the stored "
                                           "watermark are pulled (source Database).")
    folder: str = Field("", title="Drop folder",
                        description="Folder whose CSV files are synced, oldest first; each file once (source Folder).")
    columns: list[str] = Field(default_factory=list, title="Column mapping",
                               description="FIELD=COLUMN pairs, e.g. email=mail_address. Columns named like a field "
                                           "(by key, label or a common synonym) map themselves.")
    duplicates: Literal["skip", "update"] = Field(
        "update", title="Duplicates",
        description="Records whose match key (e-mail; name for accounts) exists: skip them, or update their changed fields.")

    def mapping(self) -> dict[str, str]:
        pairs = (item.partition("=") for item in self.columns)
        return {f.strip().lower(): c.strip() for f, _, c in pairs}

    @model_validator(mode="after")
    def _check(self) -> Options:
        if self.source == "database" and not (self.url.strip() and self.table.strip()):
            raise ValueError("a database source needs a Database URL and a Source table")
        if url_has_password(self.url):
            raise ValueError("leave the password out of the Database URL (it would be stored with the run); keep it "
                             "in the OS keyring: service batchdesk-sync, user USER@HOST")
        if self.source == "folder" and not self.folder.strip():
            raise ValueError("a folder source needs a Drop folder")
        fields = field_map(self.module)
        for item in self.columns:
            name, sep, column = item.partition("=")
            if not sep or not column.strip():
                raise ValueError(f"write each column mapping as FIELD=COLUMN, not {item!r}")
            if name.strip().lower() not in fields:
                raise ValueError(f"{self.module} have no field {name.strip()!r}; fields: {', '.join(fields)}")
        return self


def _workspace(ctx: JobContext) -> int:
    ids = ctx.workspace_ids()
    if len(ids) != 1:
        raise ValueError("a sync writes into one workspace: choose it for the run")
    return ids[0]


def run(ctx: JobContext, options: Options) -> None:
    workspace_id = _workspace(ctx)
    source: SqlSource | FolderSource = (
        SqlSource(options.url, options.table, options.change_column, options.module, options.mapping())
        if options.source == "database" else FolderSource(options.folder, options.module, options.mapping()))
    until = day_end(ctx.run_date)
    with ctx.engine.connect() as conn:
        after = load_watermark(conn, source.key, workspace_id, options.module)
        lookups = load_lookups(conn, workspace_id, options.module)
    ctx.total(source.count(after, until))
    ctx.log(f"Syncing {options.module} from {source.description}, changes after {after or 'the beginning'} "
            f"up to {until:%Y-%m-%d %H:%M}; duplicates: {options.duplicates}")
    known: dict[str, dict[str, object]] | None = {} if ctx.dry_run else None
    totals = {"created": 0, "updated": 0, "skipped": 0, "unchanged": 0, "failed": 0}
    now = utcnow()
    for batch in source.batches(after, until, BATCH):
        ctx.check_stop()
        good = []
        for row in batch.rows:
            clean, errors = validate_row(options.module, row.values, lookups) if row.error is None \
                else ({}, [("", row.error)])
            for field, message in errors:
                ctx.row_error(row.number, message, field=field or None, raw=row.raw)
            if errors:
                totals["failed"] += 1
            else:
                good.append(clean)
        with write_transaction(ctx.engine) as conn:
            todo = upsert.plan(conn, options.module, workspace_id, good, options.duplicates, known)
            if not ctx.dry_run:
                upsert.apply(conn, options.module, workspace_id, todo, now)
                if batch.watermark is not None:
                    save_watermark(conn, source.key, workspace_id, options.module, batch.watermark)
        counts = {"created": len(todo.inserts), "updated": len(todo.updates), "skipped": todo.skipped}
        for name, n in counts.items():
            totals[name] += n
        totals["unchanged"] += todo.unchanged
        failed = len(batch.rows) - len(good)
        ctx.count(processed=len(batch.rows), failed=failed, **({} if ctx.dry_run else counts))
    verb = "would be" if ctx.dry_run else "were"
    ctx.log(f"{totals['created']:,} records {verb} created, {totals['updated']:,} updated, {totals['skipped']:,} "
            f"skipped as duplicates, {totals['unchanged']:,} already current, {totals['failed']:,} failed validation")
    ctx.result = {**totals, "source": source.key, "dry_run": ctx.dry_run}
    if ctx.dry_run:
        ctx.log("Dry run: nothing was changed and the watermark stays where it was")


JOB = JobType(
    key="sync",
    title="Sync",
    category=Category.OPERATION,
    description="Pull records from another SQL database (table and column mapping) or a drop folder of CSV files, "
                "only what changed since the last sync (up to the end of the run date), checked with the import "
                "rules and merged by match key like an import.",
    options=Options,
    run=run,
    one_workspace=True,
)
