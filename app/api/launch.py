"""Starting runs from the console: the Run Job dialog and the Schedules page's "Run now".

A job that is not per workspace runs once, globally, whatever workspace is chosen; a
per-workspace job gets the chosen workspace, or None — every workspace in one run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from app.engine.registry import get_job_type
from app.engine.runs import enqueue, validate_params


@dataclass(frozen=True)
class LaunchRequest:
    job_key: str
    params: dict[str, Any]


def workspace_for(job_key: str, workspace_id: int | None) -> int | None:
    """The workspace a run of this job gets when the admin chose `workspace_id` (None = all)."""
    return workspace_id if get_job_type(job_key).per_workspace else None


def launch(engine: Engine, requests: list[LaunchRequest], *, workspace_id: int | None, run_date: dt.date,
           initiated_by: str | None = None) -> list[int]:
    """Queue one run per request; all parameters are validated before the first is queued,
    so a bad form never leaves half of a multi-job launch behind."""
    for request in requests:
        validate_params(get_job_type(request.job_key), request.params)
    return [_enqueue(engine, r, workspace_for(r.job_key, workspace_id), run_date, initiated_by) for r in requests]


def _enqueue(engine: Engine, request: LaunchRequest, workspace_id: int | None, run_date: dt.date,
             initiated_by: str | None) -> int:
    if request.job_key == "import":
        return _enqueue_import(engine, request.params, workspace_id, run_date, initiated_by)
    return enqueue(engine, request.job_key, request.params, workspace=workspace_id, run_date=run_date,
                   initiated_by=initiated_by)


def _enqueue_import(engine: Engine, params: dict[str, Any], workspace_id: int | None, run_date: dt.date,
                    initiated_by: str | None) -> int:
    """An import from the Run Job dialog stores its file with the run (as the wizard does),
    so any worker on any workstation can read it; raises TransferError (a ValueError)."""
    from app.transfer.api import enqueue_import

    return enqueue_import(engine, params["file"], params["module"], params.get("duplicates", "skip"),
                          params.get("mapping") or {}, params.get("sheet"), bool(params.get("dry_run")),
                          params.get("template"), workspace_id, initiated_by, batch_size=params.get("batch_size"),
                          run_date=run_date)
