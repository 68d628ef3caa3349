"""What a running job reports through: progress, counters, log, row errors, artifacts, cancel.

Counters live in memory and reach the database at a bounded rate (every `flush_interval`
seconds), so a job doing 100k rows/s spends nothing noticeable on reporting. The console
samples `snapshot()` on a timer for in-process runs and reads the row for others.
A resumable job commits its work and `save_checkpoint` in one transaction; its row errors
are written only there, so a resumed run never records a row twice.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, insert, select, update

from app.clock import utcnow
from app.db import tables
from app.engine import artifacts, notify, pg_queue
from app.engine.jobtype import JobOptions, JobType
from app.engine.records import RunRecord, RunWrites
from app.engine.row_errors import insert_row_errors

runs = tables.job_runs
COUNTERS = ("processed", "created", "updated", "skipped", "failed")


class JobStopped(Exception):
    """Raised by check_stop(): somebody asked this run to stop."""


class RunLost(Exception):
    """This worker no longer owns the run (recovered as an orphan elsewhere)."""


@dataclass(frozen=True)
class ProgressSnapshot:
    run_id: int
    total: int | None
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    errors_count: int
    elapsed: float
    cancel_requested: bool

    @property
    def rate(self) -> float:
        return self.processed / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        if not self.total or self.rate <= 0 or self.processed >= self.total:
            return None
        return (self.total - self.processed) / self.rate


class JobContext:
    def __init__(
        self, engine: Engine, run: RunRecord, job: JobType, options: JobOptions, worker: str,
        *, flush_interval: float = 0.5,
    ) -> None:
        self.engine = engine
        self.run = run
        self.run_id = run.id
        self.run_date: dt.date = run.run_date
        self.workspace_id = run.workspace_id
        self.job = job
        self.options = options
        self.params = run.params
        self.worker = worker
        self.flush_interval = flush_interval
        self.dry_run = bool(getattr(options, "dry_run", False))
        saved = run.checkpoint or {}
        self.checkpoint_state: dict[str, Any] | None = saved.get("state")
        counters = saved.get("counters", {}) if job.resumable else {}
        self._total: int | None = counters.get("total")
        self._counts = {name: int(counters.get(name, 0)) for name in COUNTERS}
        self._errors_count = int(counters.get("errors_count", 0))
        self._lock = threading.Lock()
        self._logs: list[dict[str, Any]] = []
        self._row_errors: list[dict[str, Any]] = []
        self._dirty = True
        # snapshots count seconds from the run's started_at, as its row does (updated_at -
        # started_at, both this worker's stamps): a console charting a run from its row and then
        # from snapshots keeps one time line (the claim stamped started_at a moment earlier)
        now = time.monotonic()
        since_claim = (utcnow() - run.started_at).total_seconds() if run.started_at is not None else 0.0
        self._started = now - max(0.0, since_claim)
        # a job that ends quickly is written once, by finish; the others' first write comes after
        # one to two intervals, so runs started together (twenty workers taking a queue) do not
        # write, notify and take the interpreter lock at the same moments every interval
        self._last_flush = now + random.uniform(0.0, flush_interval)
        self.cancel_event = threading.Event()
        self.lost_event = threading.Event()
        self.result: dict[str, Any] = {}
        self.warnings = 0

    # ---------------------------------------------------------------- reporting
    def total(self, n: int | None) -> None:
        with self._lock:
            self._total = n
            self._dirty = True
        self._maybe_flush()

    def advance(self, k: int = 1) -> None:
        self.count(processed=k)

    def count(self, **deltas: int) -> None:
        """Add to counters: processed, created, updated, skipped, failed."""
        with self._lock:
            for name, delta in deltas.items():
                if name not in self._counts:
                    raise KeyError(f"unknown counter {name!r}")
                self._counts[name] += delta
            self._dirty = True
        self._maybe_flush()

    def log(self, message: str, level: str = "info", *, counts: bool = True) -> None:
        """A warning line the job writes (something in scope was skipped) makes the run end as
        `warning`; counts=False is for the engine's own notes, such as a resume, which skip nothing."""
        with self._lock:
            self._logs.append({"run_id": self.run_id, "at": utcnow(), "level": level, "message": message})
            self._dirty = True
        if level == "warning" and counts:
            self.warnings += 1
        self._maybe_flush()

    def row_error(self, row_number: int | None, message: str, field: str | None = None, raw: Any = None) -> None:
        with self._lock:
            self._row_errors.append(
                {"run_id": self.run_id, "row_number": row_number, "field": field, "message": message, "raw": raw}
            )
            self._errors_count += 1
            self._dirty = True
        self._maybe_flush()

    def add_artifact(
        self, kind: str, name: str, source: bytes | BinaryIO | Path, *, retention_days: int | None = None,
        content_type: str | None = None,
    ) -> int:
        with self.engine.begin() as conn:
            artifact_id = artifacts.store(conn, self.run_id, kind, name, source, retention_days=retention_days,
                                          content_type=content_type)
            notify.run_changed(conn, self.run_id)
        return artifact_id

    def name_file(self, name: str) -> None:
        """Name the file this run writes, before it writes it, so the history's File Name
        column says what an export (or any job that makes a file) will hand back."""
        with self.engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == self.run_id).values(file_name=name, updated_at=utcnow()))
            notify.run_changed(conn, self.run_id)

    # ---------------------------------------------------------------- cancellation
    def should_stop(self) -> bool:
        """Cheap: the heartbeat thread sets the flag when the database says so."""
        return self.cancel_event.is_set() or self.lost_event.is_set()

    def check_stop(self) -> None:
        if self.lost_event.is_set():
            raise RunLost(f"run {self.run_id} was taken over by recovery")
        if self.cancel_event.is_set():
            raise JobStopped()

    # ---------------------------------------------------------------- scope helpers
    def workspace_ids(self) -> list[int]:
        """The run's workspace, or every workspace when the run names none."""
        if self.workspace_id is not None:
            return [self.workspace_id]
        if self.engine.dialect.name == "postgresql":
            # Many short runs ask this: one autocommitted read on the driver's connection
            # (no BEGIN/ROLLBACK round trips, no statement machinery).
            with pg_queue.autocommit(self.engine) as raw:
                return [int(row[0]) for row in raw.execute("SELECT id FROM workspaces ORDER BY id")]
        with self.engine.connect() as conn:
            return [int(i) for i in conn.execute(select(tables.workspaces.c.id).order_by(tables.workspaces.c.id)).scalars()]

    # ---------------------------------------------------------------- persistence
    def snapshot(self) -> ProgressSnapshot:
        with self._lock:
            return ProgressSnapshot(
                run_id=self.run_id, total=self._total, errors_count=self._errors_count,
                elapsed=time.monotonic() - self._started, cancel_requested=self.cancel_event.is_set(), **self._counts,
            )

    def counters(self) -> dict[str, int | None]:
        with self._lock:
            return {"total": self._total, **self._counts, "errors_count": self._errors_count}

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

    def flush(self, conn: Connection | None = None) -> None:
        """Write counters, log lines (and row errors of non-resumable jobs) now; with a
        connection, inside the caller's transaction."""
        with self._lock:
            if not self._dirty and conn is None:
                return
            writes = self._take(row_errors=not self.job.resumable or conn is not None)
        if conn is not None:
            self._write(conn, writes)
            return
        with self.engine.begin() as own:
            self._write(own, writes)

    def final_writes(self) -> RunWrites:
        """Everything not yet written, for the finish to write with the end status."""
        with self._lock:
            return self._take(row_errors=True)

    def _take(self, *, row_errors: bool) -> RunWrites:
        """Hand over the pending writes (the caller holds the lock)."""
        logs, self._logs = self._logs, []
        errors: list[dict[str, Any]] = []
        if row_errors:
            errors, self._row_errors = self._row_errors, []
        counters: dict[str, int | None] = {"total": self._total, **self._counts, "errors_count": self._errors_count}
        self._dirty = False
        self._last_flush = time.monotonic()
        return RunWrites(counters, logs, errors)

    def _write(self, conn: Connection, writes: RunWrites, **also: Any) -> None:
        conn.execute(update(runs).where(runs.c.id == self.run_id)
                     .values(updated_at=utcnow(), **(writes.counters or {}), **also))
        if writes.logs:
            conn.execute(insert(tables.job_logs), writes.logs)
        insert_row_errors(conn, self.run_id, writes.row_errors)
        notify.run_changed(conn, self.run_id)

    def save_checkpoint(self, conn: Connection, state: dict[str, Any]) -> None:
        """Record how far the job got, in the same transaction as the work itself (with the
        counters, log lines and row errors so far: one UPDATE of the run, which on SQLite
        matters while an import's reader holds the GIL between statements)."""
        with self._lock:
            writes = self._take(row_errors=True)
        self._write(conn, writes, checkpoint={"state": state, "counters": writes.counters})
        self.checkpoint_state = state
