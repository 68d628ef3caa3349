"""Operation: import a CSV or XLSX file into leads, contacts or accounts.

The file travels with the run as its `source` artifact (so any worker on any workstation,
a resume and a replay read the same bytes); a run queued without one reads `file` from
this machine's disk. Resumable: a worker that dies mid-import leaves the run at its last
committed batch, and the next attempt continues from there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field

from app.engine import artifacts
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from app.engine.scratch import scratch_dir
from app.settings_store import retention_days
from app.transfer.failed import write_failed_records
from app.transfer.importer import Importer
from app.transfer.mapping import get_template, resolve_mapping
from app.transfer.sources import SourceError, open_source
from jobs._options import DryRunOptions


class ImportFailed(Exception):
    """The file cannot be imported as asked; the message says why in one line."""


class Options(DryRunOptions):
    module: Literal["leads", "contacts", "accounts"] = Field(title="Module", description="Where the records go.")
    file: str = Field(title="File", description="The CSV or XLSX file to import.", min_length=1,
                      json_schema_extra={"x-widget": "file"})
    duplicates: Literal["skip", "update"] = Field(
        "skip", title="Duplicates",
        description="skip: add new records and skip those whose key (e-mail, or name for accounts) exists; "
                    "update: add new records and update the existing ones.")
    mapping: dict[str, str] = Field(default_factory=dict, title="Column mapping",
                                    description="File column → field; unmapped columns are guessed from their headers.",
                                    json_schema_extra={"x-columns": ["File column", "Field"]})
    template: str | None = Field(None, title="Mapping template", description="A saved mapping to start from.")
    sheet: str | None = Field(None, title="Sheet", description="Workbook sheet to read (default: the first).")
    batch_size: int | None = Field(None, ge=100, le=500_000, title="Rows per batch",
                                   description="Rows committed together (default: 20,000).")


@contextlib.contextmanager
def source_file(ctx: JobContext, options: Options) -> Iterator[Path]:
    """The input as a local file: the stored `source` artifact, else the path on this machine."""
    with ctx.engine.connect() as conn:
        artifact_id = artifacts.find(conn, ctx.run_id, "source")
    if artifact_id is None:
        path = Path(options.file)
        if not path.is_file():
            raise ImportFailed(f"the run has no stored source file and {options.file} does not exist on this machine")
        yield path
        return
    with scratch_dir("import") as tmp:
        local = tmp / (Path(options.file).name or "source")
        artifacts.save_to(ctx.engine, artifact_id, local)
        yield local


def run(ctx: JobContext, options: Options) -> None:
    if ctx.workspace_id is None:
        raise ImportFailed("an import needs a workspace (--workspace)")
    with source_file(ctx, options) as path:
        try:
            source = open_source(path, options.sheet)
        except SourceError as exc:
            raise ImportFailed(str(exc)) from None
        try:
            info = source.info
            template = get_template(ctx.engine, options.template).mapping if options.template else None
            mapping = resolve_mapping(options.module, info.headers, template, options.mapping)
            described = {"format": info.format, "encoding": info.encoding, "delimiter": info.delimiter,
                         "sheet": info.sheet, "headers": info.headers, "sep_line": info.sep_line}
            ctx.result.update(source=described, mapping=mapping)
            ctx.log(_describe(info.format, info.encoding, info.delimiter, info.sheet, mapping))
            if ctx.checkpoint_state is None:
                ctx.total(info.estimated_rows)
            importer = Importer(ctx, source, options.module, mapping, options.duplicates, options.batch_size,
                                ctx.workspace_id)
            stopped = importer.run()
        finally:
            source.close()
    counters = ctx.counters()
    if not stopped:
        ctx.total(counters["processed"])
    if counters["failed"]:
        _store_failed_records(ctx, described, Path(options.file).name)
    if ctx.dry_run:
        ctx.log("Dry run: nothing was written")
    ctx.check_stop()


def _describe(fmt: str, encoding: str | None, delimiter: str | None, sheet: str | None, mapping: dict[str, str]) -> str:
    shown = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
    what = f"CSV, {encoding}, {shown.get(delimiter or ',', delimiter)}-separated" if fmt == "csv" else f"workbook, sheet {sheet!r}"
    used = ", ".join(f"{column} → {field}" for column, field in mapping.items() if field)
    ignored = [column for column, field in mapping.items() if not field]
    return f"Reading {what}; mapping {used}" + (f"; ignored: {', '.join(ignored)}" if ignored else "")


def _store_failed_records(ctx: JobContext, source: dict[str, object], file_name: str) -> None:
    stem = Path(file_name).stem or "import"
    suffix = ".xlsx" if source.get("format") == "xlsx" else ".csv"
    with scratch_dir("failed") as tmp:
        dest = tmp / f"{stem}-failed-records{suffix}"
        rows = write_failed_records(ctx.engine, ctx.run_id, dict(source), dest)
        with ctx.engine.connect() as conn:
            days = retention_days(conn)["failed_records"]
        ctx.add_artifact("failed_records", dest.name, dest, retention_days=days)
    ctx.log(f"Failed-records file with {rows:,} row(s) stored ({dest.name})")


JOB = JobType(
    key="import",
    title="Import",
    category=Category.OPERATION,
    description="Import a CSV or XLSX file into Leads, Contacts or Accounts: columns mapped from the headers "
                "(or a saved template), each row validated, duplicates (same e-mail, or account name) skipped "
                "or updated. Failed rows come back as a file to fix and re-import.",
    options=Options,
    run=run,
    resumable=True,
    one_workspace=True,
)
