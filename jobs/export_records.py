"""Operation: export the records of a module (filtered, chosen columns) to CSV or Excel.

The file is stored with the run as its `export` artifact (kept 7 days by default), so any
workstation can download it; the run records the record count and the file size.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.engine.context import JobContext
from app.engine.jobtype import Category, JobOptions, JobType
from app.engine.scratch import scratch_dir
from app.records.filters import FilterError, where_clause
from app.records.modules import MODULE_LABELS
from app.settings_store import retention_days
from app.transfer.export import (
    ExportError,
    choose_columns,
    copy_csv,
    count_rows,
    export_query,
    file_name,
    write_csv,
    write_xlsx,
)


class Options(JobOptions):
    module: Literal["leads", "contacts", "accounts"] = Field(title="Module", description="What to export.")
    format: Literal["csv", "xlsx"] = Field("csv", title="Format", description="CSV, or an Excel workbook (XLSX).")
    where: list[str] = Field(default_factory=list, title="Filter",
                             description="Conditions FIELD=VALUE (also != ~ > >= < <=), all must hold; "
                                         "e.g. status=new, country=Germany|France, score>=50.")
    columns: list[str] = Field(default_factory=list, title="Columns",
                               description="Columns to export, in order (default: all).")


class ExportFailed(Exception):
    pass


def run(ctx: JobContext, options: Options) -> None:
    try:
        columns = choose_columns(options.module, options.columns)
        where_clause(options.module, options.where, ctx.workspace_id)  # a bad filter fails here, in one line
    except (ExportError, FilterError) as exc:
        raise ExportFailed(str(exc)) from None
    name = file_name(options.module, ctx.run_date, ctx.run_id, options.format)
    ctx.name_file(name)
    with ctx.engine.connect() as conn:
        days = retention_days(conn)["export"]
    with scratch_dir("export") as tmp:
        dest = tmp / name
        conn = ctx.engine.connect()
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        # One snapshot for the count and the rows, so the record count is exact.
        with conn, conn.begin():
            total = count_rows(conn, options.module, options.where, ctx.workspace_id)
            ctx.total(total)
            ctx.log(f"Exporting {total:,} {options.module} as {options.format.upper()}: "
                    f"{', '.join(c.key for c in columns)}" + (f"; filter {' AND '.join(options.where)}" if options.where else ""))
            progress = Progress(ctx, total)
            stmt = export_query(options.module, columns, options.where, ctx.workspace_id)
            if options.format == "xlsx":
                rows, sheets = write_xlsx(conn, stmt, columns, dest, MODULE_LABELS[options.module], progress)
                if sheets > 1:
                    ctx.log(f"More than 1,048,575 rows: the workbook continues over {sheets} sheets")
            elif conn.dialect.name == "postgresql":
                with copy_csv(conn, options.module, columns, options.where, ctx.workspace_id, progress, total) as stream:
                    ctx.add_artifact("export", name, stream, retention_days=days)  # streamed, no file
                rows, size = total, stream.size
            else:
                rows = write_csv(conn, stmt, columns, dest, progress)
        if dest.exists():
            size = dest.stat().st_size
            ctx.add_artifact("export", name, dest, retention_days=days)
    progress.finish(rows)
    ctx.result.update(records=rows, file_size=size, format=options.format, file=name)
    ctx.log(f"Exported {rows:,} records ({size:,} bytes), kept {days} days")


class Progress:
    """Advances the run by rows written (never past the total) and honours cancel."""

    def __init__(self, ctx: JobContext, total: int) -> None:
        self.ctx, self.total, self.done = ctx, total, 0

    def __call__(self, k: int) -> None:
        step = max(0, min(k, self.total - self.done))
        if step:
            self.done += step
            self.ctx.advance(step)
        self.ctx.check_stop()

    def finish(self, rows: int) -> None:
        if self.done < rows:
            self.ctx.advance(rows - self.done)
        self.ctx.total(rows)


JOB = JobType(
    key="export",
    title="Export",
    category=Category.OPERATION,
    description="Export the records of a module to CSV or Excel, with a filter and a choice of columns. "
                "The file is kept for download (7 days by default).",
    options=Options,
    run=run,
)
