"""A SIGKILLed `batchdesk worker` mid-import: the run resumes from its last committed batch
with no row imported (or reported) twice; and a cancelled import keeps what it committed.

Both tests stop the import at a known batch instead of racing it. Racing was flaky under
load: the whole file could be imported between the moment the test saw the first checkpoint
and the moment it blocked the writes, and a cancel could land after the last batch.
- The killed worker: a trigger on `leads` (made by the test, dropped after) holds every
  insert that comes after the import's first checkpoint: on PostgreSQL it waits for an
  advisory lock the test holds, on SQLite (which cannot wait inside a statement) it runs a
  cross join that would take hours, holding the write transaction open. So the worker commits
  only the batches it wrote before that checkpoint (on PostgreSQL a second lane may have
  written the next one already), and is killed while busy with the next. Recovery is asked with a
  zero lease (what any worker does after ten seconds of silence), and a second real worker
  finishes the run.
- The cancel: the worker runs in this process; its batch writer pauses after the first
  commit until the cancel has reached the run's context, then goes on.
"""

from __future__ import annotations

import signal
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.engine import history
from app.engine.recovery import recover_orphans
from app.engine.runs import get_run, request_cancel
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from app.transfer.batch import Batch
from app.transfer.lanes import POSTGRES_LANES, BatchWriters, Lane
from tests.engine_support import add_workspace, spawn_cli, wait_status, worker_thread
from tests.import_support import count, lead, rows_of, write_csv
from tests.test_engine_recovery import _stop  # SIGTERM, then SIGKILL after 20 s

ROWS = 20_000
BATCH = 500
GATE_LOCK = 7_340_001
# After the import's first checkpoint is committed (the checkpoint is written last in a batch's
# transaction, so the first batch's own inserts pass).
AFTER_FIRST_CHECKPOINT = ("EXISTS (SELECT 1 FROM job_runs WHERE type = 'import' AND checkpoint IS NOT NULL "
                          "AND {checkpoint} <> 'null')")


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
def gate_after_first_batch(engine: Engine, db_url: str) -> Iterator[None]:
    """While inside: no insert into leads after the first import checkpoint can finish.
    Leave it only once the process stuck at the gate is dead (SQLite's gate never opens)."""
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(make_url(db_url).database or "", timeout=30, isolation_level=None)
        try:
            conn.execute("CREATE TABLE test_gate (i INTEGER)")
            conn.executemany("INSERT INTO test_gate VALUES (?)", [(i,) for i in range(1000)])
            when = AFTER_FIRST_CHECKPOINT.format(checkpoint="checkpoint")
            conn.execute(f"CREATE TRIGGER test_gate_leads BEFORE INSERT ON leads WHEN {when} BEGIN "
                         "SELECT count(*) FROM test_gate a, test_gate b, test_gate c, test_gate d; END")
            yield
            conn.execute("DROP TRIGGER test_gate_leads")
            conn.execute("DROP TABLE test_gate")
        finally:
            conn.close()
        return
    url = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as pg:
        when = AFTER_FIRST_CHECKPOINT.format(checkpoint="checkpoint::text")
        pg.execute(f"CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"IF {when} THEN PERFORM pg_advisory_xact_lock({GATE_LOCK}); END IF; RETURN NULL; END $$")
        pg.execute("CREATE TRIGGER test_gate BEFORE INSERT ON leads FOR EACH STATEMENT EXECUTE FUNCTION test_gate()")
        pg.execute(f"SELECT pg_advisory_lock({GATE_LOCK})")
        try:
            yield
        finally:
            pg.execute(f"SELECT pg_advisory_unlock({GATE_LOCK})")
            # The dead worker's server process lets go of the table once it finds its client
            # gone; a minute is far more than that takes.
            pg.execute("SET lock_timeout = '60s'")
            pg.execute("DROP TRIGGER test_gate ON leads")
            pg.execute("DROP FUNCTION test_gate()")


def test_killed_worker_resumes_without_doubles(engine: Engine, db_url: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_workspace(engine)
    path, invalid, duplicates, unique = _file(tmp_path)
    run_id = enqueue_import(engine, path, "leads", workspace="main", batch_size=BATCH)
    with gate_after_first_batch(engine, db_url):
        doomed = spawn_cli(cli, db_url, "worker", "--concurrency", "1")
        try:
            wait_status(engine, run_id, lambda r: bool(r.checkpoint), timeout=60)
            before = get_run(engine, run_id)
            assert before.status is RunStatus.STARTED and before.processed < ROWS
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
        finally:
            _stop(doomed)
    committed = get_run(engine, run_id).checkpoint or {}
    rows_read = committed["state"]["rows_read"]
    # The killed worker's copy of the source is still on disk; the next worker to make one removes it.
    assert list(Path(tempfile.gettempdir()).glob(f"batchdesk-import-{doomed.pid}-*"))
    assert rows_read in (BATCH, 2 * BATCH)  # the first batch, and on PostgreSQL perhaps the one written beside it
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
    assert not list(Path(tempfile.gettempdir()).glob(f"batchdesk-import-{doomed.pid}-*"))
    emails = [e.lower() for (e,) in rows_of(engine, "leads", "email")]
    assert len(set(emails)) == len(emails) == unique  # no row imported twice
    errors = history.row_errors(engine, run_id, limit=ROWS)
    assert len(errors) == invalid == done.errors_count
    assert len({e["row_number"] for e in errors}) == invalid  # no error reported twice
    assert any(f"Resuming after row {rows_read + 1:,}" in line["message"] for line in history.log_lines(engine, run_id))


def test_cancel_keeps_committed_batches(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_workspace(engine)
    rows = [lead(i) for i in range(5_000)]
    first_committed, go_on = threading.Event(), threading.Event()
    commit = BatchWriters.commit

    def pausing_commit(writer: BatchWriters, lane: Lane, batch: Batch) -> None:
        commit(writer, lane, batch)
        if not first_committed.is_set():
            first_committed.set()
            go_on.wait(60)

    monkeypatch.setattr(BatchWriters, "commit", pausing_commit)
    run_id = enqueue_import(engine, write_csv(tmp_path / "c.csv", rows), "leads", workspace="main", batch_size=100)
    with worker_thread(engine) as worker:
        try:
            assert first_committed.wait(60), "the import never committed its first batch"
            request_cancel(engine, run_id, by="tester")
            ctx = worker.current
            assert ctx is not None
            wait_status(engine, run_id, lambda _run: ctx.should_stop(), timeout=60)  # the worker has heard it
        finally:
            go_on.set()
        run = wait_status(engine, run_id, lambda r: r.status.finished, timeout=60)
    assert run.status is RunStatus.STOPPED
    # What was committed stays: the batches read before the cancel was heard (at most one being
    # written and one queued per lane, and the one the reader was handing over), nothing after.
    lanes = POSTGRES_LANES if engine.dialect.name == "postgresql" else 1
    assert 100 <= run.created <= 100 * (1 + 2 * lanes)
    assert count(engine, "leads") == run.created == (run.checkpoint or {})["counters"]["created"]
    # (as a set: on PostgreSQL two lanes write side by side, so ids need not follow the file)
    assert {e for (e,) in rows_of(engine, "leads", "email")} == {f"lead{i}@firm.example.com" for i in range(run.created)}
    assert any("Stopped on request" in line["message"] for line in history.log_lines(engine, run_id))
