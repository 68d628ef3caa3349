"""A SIGKILLed `batchdesk worker` mid-import: the run resumes from its last committed batch
with no row imported (or reported) twice; and a cancelled import keeps what it committed.

To kill the worker at a known point, the test blocks the import's next write after its
first checkpoint (SQLite: an open write transaction; PostgreSQL: a table lock), kills the
worker while it waits, then lets go. Recovery is asked with a zero lease (what any worker
does after ten seconds of silence), and a second real worker finishes the run.
"""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.engine import history
from app.engine.recovery import recover_orphans
from app.engine.runs import get_run, request_cancel
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from tests.engine_support import add_workspace, spawn_cli, wait_status, worker_thread
from tests.import_support import count, lead, write_csv
from tests.test_engine_recovery import _stop  # SIGTERM, then SIGKILL after 20 s

ROWS = 20_000
BATCH = 500


def _file(tmp_path: Path) -> tuple[Path, int, int, int]:
    """Rows with invalid e-mails and with duplicates of keys from much earlier (other batches)."""
    rows, invalid, duplicates = [], 0, 0
    for i in range(ROWS):
        if i % 97 == 13:
            rows.append(lead(i, email=f"broken{i}"))
            invalid += 1
        elif i % 89 == 7 and i > ROWS // 2 and (i - ROWS // 2) % 97 != 13:
            rows.append(lead(i, email=f"LEAD{i - ROWS // 2}@FIRM.example.com"))
            duplicates += 1
        else:
            rows.append(lead(i))
    return write_csv(tmp_path / "big.csv", rows), invalid, duplicates, ROWS - invalid - duplicates


@contextmanager
def blocked_writes(engine: Engine, db_url: str) -> Iterator[None]:
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(make_url(db_url).database or "", timeout=30, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    url = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as pg:
        pg.execute("LOCK TABLE leads IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


def test_killed_worker_resumes_without_doubles(engine: Engine, db_url: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_workspace(engine)
    path, invalid, duplicates, unique = _file(tmp_path)
    run_id = enqueue_import(engine, path, "leads", workspace="main", batch_size=BATCH)
    doomed = spawn_cli(cli, db_url, "worker", "--concurrency", "1")
    try:
        wait_status(engine, run_id, lambda r: bool(r.checkpoint), timeout=60)
        with blocked_writes(engine, db_url):
            before = get_run(engine, run_id)
            assert before.status is RunStatus.STARTED and before.processed < ROWS
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
    finally:
        _stop(doomed)
    committed = get_run(engine, run_id).checkpoint or {}
    assert 0 < committed["state"]["rows_read"] < ROWS
    assert count(engine, "leads") == committed["counters"]["created"]  # the database is exactly at the checkpoint
    assert recover_orphans(engine, lease_seconds=0) == [run_id]
    assert get_run(engine, run_id).status is RunStatus.PENDING
    rescuer = spawn_cli(cli, db_url, "worker", "--concurrency", "1")
    try:
        done = wait_status(engine, run_id, lambda r: r.status.finished, timeout=120)
    finally:
        _stop(rescuer)
    assert done.status is RunStatus.WARNING, done.error
    assert done.attempts == 2
    assert (done.total, done.processed, done.created, done.skipped, done.failed) == (ROWS, ROWS, unique, duplicates, invalid)
    assert count(engine, "leads") == unique
    errors = history.row_errors(engine, run_id, limit=ROWS)
    assert len(errors) == invalid == done.errors_count
    assert len({e["row_number"] for e in errors}) == invalid  # no error reported twice
    assert any("Resuming after row" in line["message"] for line in history.log_lines(engine, run_id))


def test_cancel_keeps_committed_batches(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    rows = [lead(i) for i in range(100_000)]
    run_id = enqueue_import(engine, write_csv(tmp_path / "c.csv", rows), "leads", workspace="main", batch_size=100)
    with worker_thread(engine):
        wait_status(engine, run_id, lambda r: bool(r.checkpoint), timeout=60)
        request_cancel(engine, run_id, by="tester")
        run = wait_status(engine, run_id, lambda r: r.status.finished, timeout=60)
    assert run.status is RunStatus.STOPPED
    assert 0 < run.created < len(rows)
    assert count(engine, "leads") == run.created == (run.checkpoint or {})["counters"]["created"]
    assert any("Stopped on request" in line["message"] for line in history.log_lines(engine, run_id))
