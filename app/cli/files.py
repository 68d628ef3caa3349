"""`-o PATH` of export, download and failed-records: checked before any work, written safely.

A missing folder or a folder given as the file is a usage error found up front (exit 2), so
no run is queued and no download is started only to fail at the end; a write that still
fails (disk full, no permission) is one line and exit 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from app.cli.errors import CommandFailed, UsageError
from app.engine import artifacts
from app.engine.runs import get_run
from app.engine.status import RunStatus
from app.settings_store import retention_days


def output_path(output: str) -> Path:
    path = Path(output)
    if path.is_dir():
        raise UsageError(f"cannot write {output}: it is a folder; give a file name, e.g. {path / 'out.csv'}")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {output}: no such folder {path.parent}")
    return path


def save_artifact(engine: Engine, artifact_id: int, path: Path) -> int:
    """Bytes written to `path`."""
    try:
        return artifacts.save_to(engine, artifact_id, path)
    except OSError as exc:
        raise CommandFailed(f"cannot write {path}: {exc.strerror or exc}") from None


def missing_file(engine: Engine, run_id: int, what: str) -> str:
    """Why a run has no file to save, in the seed's terms: not finished yet, or deleted by
    retention after N days ('you will need to re-export'), or it never made one."""
    run = get_run(engine, run_id)
    if not run.status.finished:
        return f"run {run_id} has not finished ({run.status.label}); it has no {what} yet"
    with engine.connect() as conn:
        days = retention_days(conn)
    done = run.status in (RunStatus.COMPLETED, RunStatus.WARNING)
    if what == "file" and run.type == "export" and done:
        return (f"the export file of run {run_id} was deleted: export files are kept {days['export']} days; "
                "export again")
    if what == "failed-records file" and run.type == "import" and run.failed:
        return (f"the failed-records file of run {run_id} was deleted: such files are kept "
                f"{days['failed_records']} days")
    return f"run {run_id} has no {what}"
