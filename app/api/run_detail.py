"""One run in full for the detail pane: the record, its workspace, files, log, row errors,
configuration, and the file actions (download, failed records, errors to Excel)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from app.api.history import type_title
from app.db import tables
from app.engine import artifacts, history
from app.engine.records import RunRecord
from app.engine.runs import artifacts_json, get_run
from app.engine.status import RunStatus

DOWNLOAD_KINDS = ("export", "error_report")


@dataclass(frozen=True)
class RunDetail:
    run: RunRecord
    title: str
    workspace: str | None
    artifacts: list[dict[str, Any]]
    errors_total: int

    def artifact(self, *kinds: str) -> dict[str, Any] | None:
        """The newest artifact of the first kind that has one."""
        for kind in kinds:
            found = [a for a in self.artifacts if a["kind"] == kind]
            if found:
                return found[-1]
        return None


def load(engine: Engine, run_id: int) -> RunDetail:
    with engine.connect() as conn:
        run = get_run(conn, run_id)
        workspace = None
        if run.workspace_id is not None:
            workspace = conn.execute(select(tables.workspaces.c.name)
                                     .where(tables.workspaces.c.id == run.workspace_id)).scalar()
        files = artifacts_json(conn, run_id)
        errors = conn.execute(select(func.count()).select_from(tables.job_row_errors)
                              .where(tables.job_row_errors.c.run_id == run_id)).scalar_one()
    return RunDetail(run, type_title(run.type), workspace, files, int(errors))


def log_after(engine: Engine, run_id: int, after_id: int = 0, limit: int = 2000) -> list[dict[str, Any]]:
    return history.log_lines(engine, run_id, after_id, limit)


def errors_page(engine: Engine, run_id: int, offset: int, limit: int) -> list[dict[str, Any]]:
    return history.row_errors(engine, run_id, limit=limit, offset=offset)


def configuration(detail: RunDetail) -> dict[str, Any]:
    """What the run was asked to do, grouped the way the seed names it."""
    run = detail.run
    params = dict(run.params)
    result = dict(run.result or {})
    config: dict[str, Any] = {}
    if "mapping" in params or "mapping" in result:
        # An import queued without a mapping (the command line) resolves it from the headers
        # when it runs and keeps it in its result: that is the mapping it used.
        asked = params.pop("mapping", None)
        config["Mapping"] = result.pop("mapping", None) or asked or {}
    config["Options"] = params
    config["Settings"] = {
        "Job type": f"{detail.title} ({run.type})",
        "Workspace": detail.workspace or "All workspaces",
        "Run date": run.run_date.isoformat(),
        "Module": run.module or "",
        "File name": run.file_name or "",
        "Initiated by": run.initiated_by or "",
        "Worker": run.worker or "",
        "Attempts": run.attempts,
        "Replay of": f"#{run.replay_of}" if run.replay_of else "",
        "Schedule key": run.schedule_key or "",
    }
    if result:
        config["Result"] = result
    return config


def save_artifact(engine: Engine, artifact_id: int, path: str | Path) -> int:
    return artifacts.save_to(engine, artifact_id, Path(path))


@cache
def _errors_exporter() -> Any:
    """The transfer package's `export_errors_report(engine, run_id) -> artifact id`, if installed."""
    for name in ("app.transfer.api", "app.transfer"):
        try:
            found = getattr(importlib.import_module(name), "export_errors_report", None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def errors_report_available() -> bool:
    return _errors_exporter() is not None


def can_export_errors(detail: RunDetail) -> bool:
    return detail.errors_total > 0 and _errors_exporter() is not None


def export_errors(engine: Engine, run_id: int, path: str | Path) -> int:
    """Build the styled Excel report of the run's errors, store it with the run, save it."""
    exporter = _errors_exporter()
    if exporter is None:
        raise RuntimeError("this installation has no Excel error report")
    artifact_id = int(exporter(engine, run_id))
    return artifacts.save_to(engine, artifact_id, Path(path))


def is_live(run: RunRecord) -> bool:
    return run.status in (RunStatus.PENDING, RunStatus.STARTED)
