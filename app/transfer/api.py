"""What the console and the command line call to import and export (no Qt here).

    info = preview(path, sheet=None, rows=20)        # headers, first rows, encoding, delimiter, sheets
    mapping = guess_mapping("leads", info.headers)   # {header: field key or ""}
    run_id = enqueue_import(engine, path, "leads", "skip", mapping, None, False, None, "emea", "anna")
    run_id = enqueue_export(engine, "leads", "xlsx", ["status=new"], ["email", "last_name"], "emea", "anna")
    artifact_id = export_errors_report(engine, run_id)
    child_id = rerun_failed(engine, run_id, corrected_path, initiated_by="anna")

`enqueue_import` checks the file and the mapping first (raising `TransferError` with a
one-line reason, before any run exists), stores the file as the run's `source` artifact so
any worker, a resume or a replay can read it, and queues the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from app.clock import today, utcnow
from app.db import tables
from app.db.engine import write_transaction
from app.engine import artifacts, notify
from app.engine.registry import get_job_type
from app.engine.runs import (
    OptionsError,
    current_user,
    enqueue,
    get_run,
    insert_run,
    resolve_workspace,
    validate_params,
)
from app.engine.scratch import scratch_dir
from app.transfer.failed import write_error_report
from app.transfer.mapping import MappingError, get_template, resolve_mapping
from app.transfer.sources import SourceError, open_source


class TransferError(ValueError):
    """The import or export cannot be queued as asked; one line for people."""


@dataclass(frozen=True)
class Preview:
    format: str
    headers: list[str]
    rows: list[list[str]]
    encoding: str | None
    delimiter: str | None
    sheets: list[str]
    sheet: str | None
    estimated_rows: int | None


def preview(path: str | Path, sheet: str | None = None, rows: int = 20) -> Preview:
    """The header and the first `rows` data rows as text, and what was detected."""
    from app.records.validators import as_text

    try:
        source = open_source(path, sheet)
    except SourceError as exc:
        raise TransferError(str(exc)) from None
    try:
        shown: list[list[str]] = []
        for _row_number, cells, _problem in source.records():
            if cells:
                shown.append([as_text(c) for c in cells])
            if len(shown) >= rows:
                break
        info = source.info
        return Preview(info.format, info.headers, shown, info.encoding, info.delimiter, info.sheets, info.sheet,
                       info.estimated_rows)
    finally:
        source.close()


def default_workspace(engine: Engine, workspace: str | int | None) -> str | int:
    """The named workspace, or the first one; a database without any gets `default`."""
    if workspace not in (None, ""):
        return workspace  # type: ignore[return-value]
    ws = tables.workspaces
    with write_transaction(engine) as conn:
        first = conn.execute(select(ws.c.id).order_by(ws.c.id).limit(1)).scalar()
        if first is None:
            first = conn.execute(insert(ws).values(key="default", name="Default workspace", created_at=utcnow())
                                 .returning(ws.c.id)).scalar_one()
    return int(first)


def check_import(engine: Engine, path: str | Path, module: str, mapping: dict[str, str] | None,
                 sheet: str | None, template: str | None) -> dict[str, str]:
    """Open the file and resolve the mapping the job will use; raises TransferError."""
    try:
        source = open_source(path, sheet)
    except SourceError as exc:
        raise TransferError(str(exc)) from None
    try:
        saved = get_template(engine, template) if template else None
        if saved is not None and saved.module != module:
            raise MappingError(f"the mapping template {saved.name!r} is for {saved.module}, not {module}")
        return resolve_mapping(module, source.info.headers, saved.mapping if saved else None, mapping or {})
    except (MappingError, ValueError) as exc:
        raise TransferError(str(exc)) from None
    finally:
        source.close()


def enqueue_import(
    engine: Engine, path: str | Path, module: str, duplicates: str = "skip", mapping: dict[str, str] | None = None,
    sheet: str | None = None, dry_run: bool = False, template: str | None = None, workspace: str | int | None = None,
    initiated_by: str | None = None, parent_id: int | None = None, batch_size: int | None = None,
    run_date: dt.date | None = None,
) -> int:
    """Check, store the file with the run, queue it; returns the run id."""
    file = Path(path)
    check_import(engine, file, module, mapping, sheet, template)
    params: dict[str, Any] = {"module": module, "file": file.name, "duplicates": duplicates, "mapping": mapping or {},
                              "template": template, "sheet": sheet, "dry_run": dry_run}
    if batch_size:
        params["batch_size"] = batch_size
    job = get_job_type("import")
    try:
        clean = validate_params(job, params)
    except OptionsError as exc:
        raise TransferError(str(exc)) from None
    chosen = default_workspace(engine, workspace)
    # The run and its file commit together: no worker can claim the run before the file is there.
    with write_transaction(engine) as conn:
        try:
            workspace_id = resolve_workspace(conn, chosen)
        except OptionsError as exc:
            raise TransferError(str(exc)) from None
        run_id = insert_run(conn, job, clean, workspace_id=workspace_id, run_date=run_date or today(),
                            initiated_by=initiated_by or current_user(), file_name=file.name, parent_id=parent_id)
        assert run_id is not None
        artifacts.store(conn, run_id, "source", file.name, file)
    return run_id


def rerun_failed(engine: Engine, parent_run_id: int, corrected: str | Path, *, initiated_by: str | None = None,
                 dry_run: bool = False) -> int:
    """Import a corrected failed-records file as a child run of an import, with its settings."""
    parent = get_run(engine, parent_run_id)
    if parent.type != "import":
        raise TransferError(f"run {parent_run_id} is a {parent.type} run, not an import")
    p = parent.params
    file = Path(corrected)
    mapping = {k: v for k, v in (p.get("mapping") or {}).items()}
    sheet = p.get("sheet") if file.suffix.lower() not in (".csv", ".txt", ".tsv") else None
    return enqueue_import(engine, file, p["module"], p.get("duplicates", "skip"), mapping, sheet, dry_run,
                          p.get("template"), parent.workspace_id, initiated_by, parent_id=parent_run_id)


def enqueue_export(
    engine: Engine, module: str, format: str = "csv", where: list[str] | None = None, columns: list[str] | None = None,
    workspace: str | int | None = None, initiated_by: str | None = None, run_date: dt.date | None = None,
) -> int:
    """Check the filter and columns, queue the export; returns the run id. Without a workspace
    the export covers every workspace."""
    from app.records.filters import FilterError, where_clause
    from app.transfer.export import ExportError, choose_columns

    try:
        where_clause(module, where or [], None)
        choose_columns(module, columns or [])
    except (FilterError, ExportError, ValueError) as exc:
        raise TransferError(str(exc)) from None
    params = {"module": module, "format": format, "where": where or [], "columns": columns or []}
    try:
        return enqueue(engine, "export", params, workspace=workspace, initiated_by=initiated_by, run_date=run_date)
    except OptionsError as exc:
        raise TransferError(str(exc)) from None


def export_errors_report(engine: Engine, run_id: int) -> int:
    """Write the styled error workbook of any run and store it on the run; returns the artifact id."""
    run = get_run(engine, run_id)
    with scratch_dir("report") as tmp:
        dest = tmp / f"run-{run.id}-errors.xlsx"
        write_error_report(engine, run.id, dest)
        with write_transaction(engine) as conn:
            from app.settings_store import retention_days

            days = retention_days(conn)["export"]
            artifact_id = artifacts.store(conn, run.id, "error_report", dest.name, dest, retention_days=days)
            notify.run_changed(conn, run.id)
    return artifact_id


def error_count(engine: Engine, run_id: int) -> int:
    t = tables.job_row_errors
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t).where(t.c.run_id == run_id)).scalar_one())
