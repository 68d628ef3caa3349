"""Runs one claimed run to its true end status, with a heartbeat beside it."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable

from pydantic import ValidationError
from sqlalchemy import Engine, and_, tuple_, update

from app.clock import utcnow
from app.db import tables
from app.db.engine import write_transaction
from app.engine import runs as run_store
from app.engine.context import JobContext, JobStopped, RunLost
from app.engine.records import RunRecord
from app.engine.registry import UnknownJobType, get_job_type
from app.engine.status import RunStatus

log = logging.getLogger(__name__)
table = tables.job_runs
HEARTBEAT_SECONDS = 0.5


class Heartbeat(threading.Thread):
    """Proves the worker is alive and brings the cancel flag in from the database, for every
    run it watches, in one statement. The workers of a process share one (`shared_heartbeat`):
    twenty workers with a heartbeat each wrote 40 transactions a second, all at the same
    moments, and the console's GUI thread waited behind them for the interpreter lock
    (bench/ui.py). `execute` starts its own when given none."""

    def __init__(self, engine: Engine, ctx: JobContext | None = None, interval: float = HEARTBEAT_SECONDS) -> None:
        super().__init__(name="heartbeat" if ctx is None else f"heartbeat-{ctx.run_id}", daemon=True)
        self.engine, self.interval = engine, interval
        self._watched: dict[int, JobContext] = {} if ctx is None else {ctx.run_id: ctx}
        self._lock = threading.Lock()
        self._stop_event = threading.Event()

    def watch(self, ctx: JobContext) -> None:
        with self._lock:
            self._watched[ctx.run_id] = ctx

    def unwatch(self, ctx: JobContext) -> None:
        with self._lock:
            self._watched.pop(ctx.run_id, None)

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                self.beat()
            except Exception as exc:  # a dead database must not kill the job thread's reporting
                log.warning("heartbeat failed: %s", exc)

    def beat(self) -> None:
        with self._lock:
            watched = list(self._watched.values())
        if not watched:
            return
        # the write lock first (SQLite), then the stamp: a beat that waited must not be stale
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                update(table)
                .where(and_(tuple_(table.c.id, table.c.worker).in_([(c.run_id, c.worker) for c in watched]),
                            table.c.status == RunStatus.STARTED.value))
                .values(heartbeat_at=utcnow())
                .returning(table.c.id, table.c.cancel_requested)
            ).all()
        cancel_requested = {row.id: row.cancel_requested for row in rows}
        for ctx in watched:
            if ctx.run_id not in cancel_requested:  # no longer ours: recovered elsewhere
                ctx.lost_event.set()
            elif cancel_requested[ctx.run_id]:
                ctx.cancel_event.set()

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join()


_shared: dict[int, tuple[Heartbeat, int]] = {}  # id(engine) -> (its heartbeat, workers using it)
_shared_lock = threading.Lock()


def shared_heartbeat(engine: Engine) -> Heartbeat:
    """The engine's heartbeat for this process, started on first use; hand it back with
    `release_heartbeat` (the last worker to do so stops it)."""
    with _shared_lock:
        beats, users = _shared.get(id(engine), (None, 0))
        if beats is None:
            beats = Heartbeat(engine)
            beats.start()
        _shared[id(engine)] = (beats, users + 1)
        return beats


def release_heartbeat(beats: Heartbeat) -> None:
    with _shared_lock:
        _, users = _shared[id(beats.engine)]
        if users > 1:
            _shared[id(beats.engine)] = (beats, users - 1)
            return
        del _shared[id(beats.engine)]
    beats.stop()


def _summary(ctx: JobContext, status: RunStatus) -> str:
    c = ctx.counters()
    parts = [f"{c['processed']:,} processed"]
    parts += [f"{c[name]:,} {name}" for name in ("created", "updated", "skipped", "failed") if c[name]]
    if c["errors_count"]:
        parts.append(f"{c['errors_count']:,} errors")
    return f"{status.label}: " + ", ".join(parts)


def final_status(ctx: JobContext) -> RunStatus:
    """warning = finished, but some rows were skipped or failed (the counters say which).
    stopped = terminated before completion (seed 003): a cancel that arrives after the job
    has gone through every row it counted ends nothing, and the run ends by its counters."""
    c = ctx.counters()
    if ctx.cancel_event.is_set():
        if not (c["total"] and c["processed"] and c["processed"] >= c["total"]):
            return RunStatus.STOPPED
        ctx.log("Cancel requested after the last row was done; the run finished its work", "info")
    if c["failed"] or c["skipped"] or c["errors_count"] or ctx.warnings:
        return RunStatus.WARNING
    return RunStatus.COMPLETED


def execute(
    engine: Engine, run: RunRecord, worker: str,
    on_context: Callable[[JobContext | None], None] | None = None,
    heartbeat: Heartbeat | None = None,
) -> RunStatus | None:
    """Run the job; returns its end status, or None when the run was lost to recovery."""
    return execute_and_claim(engine, run, worker, on_context, heartbeat, claim_next=False)[0]


def execute_and_claim(
    engine: Engine, run: RunRecord, worker: str,
    on_context: Callable[[JobContext | None], None] | None = None,
    heartbeat: Heartbeat | None = None, *, claim_next: bool = True,
) -> tuple[RunStatus | None, RunRecord | None]:
    """`execute`, and with claim_next the worker's next run is claimed by the same statement
    that finishes this one; returns the end status and that next run (None: queue empty)."""
    claim_for = worker if claim_next else None
    try:
        job = get_job_type(run.type)
        options = job.parse_options(run.params)
    except (UnknownJobType, ValidationError) as exc:
        message = str(exc).splitlines()[0]
        _, following = run_store.finish_and_claim(engine, run.id, RunStatus.FAILED, error=message,
                                                  message=f"Failed: {message}", worker=worker, claim_for=claim_for)
        return RunStatus.FAILED, following
    ctx = JobContext(engine, run, job, options, worker)
    if on_context:
        on_context(ctx)
    own_heartbeat = heartbeat is None
    beats = Heartbeat(engine, ctx) if heartbeat is None else heartbeat
    if own_heartbeat:
        beats.start()
    else:
        beats.watch(ctx)
    error: str | None = None
    try:
        if ctx.checkpoint_state is not None:
            ctx.log("Resuming from the last committed checkpoint", "warning", counts=False)
        job.run(ctx, options)
        status = final_status(ctx)
    except JobStopped:
        status = RunStatus.STOPPED
    except RunLost:
        log.warning("run %s was recovered elsewhere; dropping it", run.id)
        return None, None
    except Exception as exc:
        status = RunStatus.FAILED
        error = f"{type(exc).__name__}: {exc}"
        ctx.log("".join(traceback.format_exception(exc)).rstrip(), "error")
    finally:
        if own_heartbeat:
            beats.stop()
        else:
            beats.unwatch(ctx)
        if on_context:
            on_context(None)
    if status is RunStatus.STOPPED:
        ctx.log("Stopped on request; work already done is kept", "warning")
    ctx.log(_summary(ctx, status) if error is None else f"Failed: {error}", "error" if error else "info")
    done, following = run_store.finish_and_claim(
        engine, run.id, status, error=error, result=ctx.result or None, worker=worker,
        writes=ctx.final_writes(), claim_for=claim_for)
    return (status if done else None), following
