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
