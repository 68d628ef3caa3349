"""Running a job in the test's own thread, and cancelling one between two of its batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from app.engine.context import JobContext
from app.engine.executor import execute
from app.engine.records import RunRecord
from app.engine.runs import claim, enqueue, get_run, request_cancel

WORKER = "test-worker"


def run_job(engine: Engine, key: str, params: dict[str, Any] | None = None, *, workspace: int | str | None = None,
            run_date: dt.date | None = None, cancel_after: int | None = None) -> RunRecord:
    """Enqueue, claim and execute one run here; with `cancel_after=N` a cancel is requested
    (in the database, as the Cancel button does) once N rows were reported processed."""
    run_id = enqueue(engine, key, params or {}, workspace=workspace, run_date=run_date, initiated_by="tester")
    record = claim(engine, WORKER, run_id)
    assert record is not None

    def hook(ctx: JobContext | None) -> None:
        if ctx is None or cancel_after is None:
            return
        original = ctx.count

        def count(**deltas: int) -> None:
            original(**deltas)
            if ctx.counters()["processed"] >= cancel_after and not ctx.cancel_event.is_set():
                request_cancel(engine, run_id, by="tester")
                ctx.cancel_event.set()  # what the heartbeat does when it reads the flag

        ctx.count = count  # type: ignore[method-assign]

    execute(engine, record, WORKER, on_context=hook)
    return get_run(engine, run_id)
