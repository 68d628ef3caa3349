"""`batchdesk import` and `batchdesk export`.

Both check their input before a run exists (an unreadable file, a mapping without a
required field, a bad filter or column: exit 2 with one line), then queue the run; with
`--wait` they run it here and print it as `jobs show` does (exit 0 completed/warning,
1 failed/stopped). `export -o PATH` saves the file once the run has finished.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.commands import parse_date, report
from app.cli.database import open_database
from app.cli.errors import UsageError
from app.cli.files import output_path, save_artifact
from app.engine import artifacts
from app.engine.runs import get_run
from app.engine.status import RunStatus
from app.records.modules import MODULES
from app.transfer.api import TransferError, enqueue_export, enqueue_import
from app.transfer.mapping import MappingError


def _module(name: str) -> str:
    module = name.strip().lower()
    if module not in MODULES:
        raise UsageError(f"unknown module {name!r}; use one of: {', '.join(MODULES)}")
    return module


def _map_pairs(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip():
            raise UsageError(f"--map expects COLUMN=FIELD, got {pair!r}")
        mapping[column.strip()] = target.strip()
    return mapping


def import_file(args: argparse.Namespace) -> int:
    module = _module(args.module)
    path = Path(args.file)
    if path.is_dir():
        raise UsageError(f"cannot read {args.file}: it is a folder, not a CSV or XLSX file")
    if not path.is_file():
        raise UsageError(f"cannot read {args.file}: no such file")
    run_date = parse_date(args.run_date)
    engine = open_database(args.db)
    try:
        run_id = enqueue_import(engine, path, module, args.duplicates, _map_pairs(args.mappings), args.sheet,
                                args.dry_run, args.template, args.workspace, None, run_date=run_date)
    except (TransferError, MappingError) as exc:
        raise UsageError(str(exc)) from None
    return report(engine, run_id, args)


def export_records(args: argparse.Namespace) -> int:
    module = _module(args.module)
    columns = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
    output = output_path(args.output)
    engine = open_database(args.db)
    try:
        run_id = enqueue_export(engine, module, args.format, args.filters, columns, args.workspace, None,
                                run_date=parse_date(args.run_date))
    except TransferError as exc:
        raise UsageError(str(exc)) from None
    code = report(engine, run_id, args)
    run = get_run(engine, run_id)
    if run.status in (RunStatus.COMPLETED, RunStatus.WARNING):
        with engine.connect() as conn:
            artifact_id = artifacts.find(conn, run_id, "export")
        if artifact_id is not None:
            size = save_artifact(engine, artifact_id, output)
            if not args.json:
                print(f"saved {size:,} bytes to {output}")
    elif not run.status.finished and not args.json:
        print(f"queued; when it has run: batchdesk jobs download {run_id} -o {output}")
    return code
