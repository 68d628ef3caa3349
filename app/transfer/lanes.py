"""The import's write side: batches committed strictly in file order, on one or more lanes.

A lane is a writer thread with its own connection and backend. On PostgreSQL there are two:
the server's COPY is one backend process on one core, and two COPYs of halves of a file load
it 1.3-1.6 times faster than one (measured here, 2 cores), so while one lane commits the next
lane is already copying. Order is kept where it matters: each batch writes in its own
transaction, then waits for its turn (the previous batch committed) before it stores its
counters, row errors and checkpoint and commits. The database is therefore always exactly at
a checkpoint, and a resumed run skips exactly the committed rows.

Only new records and staged updates are written in parallel: the reader has removed every key
the workspace or an earlier batch holds, so two batches' new records never touch the same index
entry, and the staging table is the lane's own. The merge of a batch's updates waits for its
turn (two batches updating the same records in opposite order could otherwise wait for each
other, and the later values must win); staging ahead takes its COPY off that serial path.
SQLite has one writer: one lane.
So on PostgreSQL the new records' ids follow the file within a batch, not always across two
batches written side by side.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from app.engine.context import JobContext
from app.transfer.batch import Batch
from app.transfer.writers import Backend, Layout, PostgresBackend, make_backend, reclassify

UNIQUE_VIOLATIONS = (IntegrityError, psycopg.errors.IntegrityError, sqlite3.IntegrityError)
POSTGRES_LANES = 2  # more lanes measured no faster on 2 cores: the reader is the other core's work


class Abandoned(Exception):
    """An earlier batch failed, so this one may never commit (the first error is raised)."""


@dataclass
class Lane:
    conn: Connection
    backend: Backend


class BatchWriters:
    """Hands batches from the reader to the lanes and commits them in the order submitted."""

    def __init__(self, ctx: JobContext, lanes: list[Lane], update_mode: bool) -> None:
        self.ctx, self.lanes, self.update_mode = ctx, lanes, update_mode
        self.parallel = len(lanes) > 1
        self.batches: queue.Queue[Batch | None] = queue.Queue(maxsize=len(lanes))
        self.turn = threading.Condition()
        self.committed = 0  # batches committed so far: the next to commit has this sequence number
        self.submitted = 0
        self.error: BaseException | None = None
        self.threads = [threading.Thread(target=self._run, args=(lane,), daemon=True,
                                         name=f"import-writer-{ctx.run_id}-{n}") for n, lane in enumerate(lanes)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def submit(self, batch: Batch) -> None:
        """Encode the batch here (the reader's thread, so the lanes only send) and queue it."""
        self.lanes[0].backend.encode(batch)
        batch.sequence, self.submitted = self.submitted, self.submitted + 1
        while True:
            self.raise_error()
            try:
                self.batches.put(batch, timeout=0.5)
                return
            except queue.Full:
                continue

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def finish(self) -> None:
        """Wait for every submitted batch to commit (or the first error, raised here)."""
        for thread in self.threads:
            if thread.is_alive():
                self.batches.put(None)
        for thread in self.threads:
            thread.join()
        self.raise_error()

    def _run(self, lane: Lane) -> None:
        try:
            while (batch := self.batches.get()) is not None:
                self.commit(lane, batch)
                with self.turn:
                    self.committed += 1
                    self.turn.notify_all()
        except BaseException as exc:  # handed to the reader thread, which raises it
            with self.turn:
                if self.error is None and not isinstance(exc, Abandoned):
                    self.error = exc
                self.turn.notify_all()
            while self.batches.get() is not None:  # let a blocked submit() see the error
                pass

    def wait_turn(self, batch: Batch) -> None:
        with self.turn:
            while self.committed != batch.sequence:
                if self.error is not None:
                    raise Abandoned
                self.turn.wait()

    def commit(self, lane: Lane, batch: Batch) -> None:
        if self.parallel and self._commit_alongside(lane, batch):
            return
        self.wait_turn(batch)
        self._commit_in_turn(lane, batch)

    def _report(self, batch: Batch) -> None:
        ctx = self.ctx
        ctx.count(**batch.counts)
        for row_number, message, field, raw in batch.errors:
            ctx.row_error(row_number, message, field=field, raw=raw)

    def _commit_alongside(self, lane: Lane, batch: Batch) -> bool:
        """Write ahead while earlier batches may still be writing; merge the updates and commit
        in turn. False after a unique violation (someone else added one of the keys): nothing of
        it is kept, and the batch is written again in turn."""
        trans = lane.conn.begin()
        try:
            lane.backend.write_ahead(batch)
            self.wait_turn(batch)
            lane.backend.write_in_turn(batch)
        except UNIQUE_VIOLATIONS:
            trans.rollback()
            return False
        except BaseException:
            trans.rollback()
            raise
        try:
            self._report(batch)
            self.ctx.save_checkpoint(lane.conn, {"rows_read": batch.rows_read})
            trans.commit()
        except BaseException:
            trans.rollback()
            raise
        return True

    def _commit_in_turn(self, lane: Lane, batch: Batch) -> None:
        ctx = self.ctx
        # Counters and row errors go to the context BEFORE the transaction: reporting may flush
        # progress on another connection, which on SQLite would wait for our own write lock.
        # save_checkpoint then stores them with the batch, so a resume starts from exactly these.
        self._report(batch)
        for attempt in (1, 2):
            trans = lane.conn.begin()
            try:
                if not ctx.dry_run:
                    lane.backend.write(batch)
                ctx.save_checkpoint(lane.conn, {"rows_read": batch.rows_read})
                trans.commit()
                return
            except UNIQUE_VIOLATIONS:
                trans.rollback()
                if attempt == 2:
                    raise
                before = dict(batch.counts)
                moved = reclassify(lane.conn, lane.backend, batch, self.update_mode)
                lane.conn.rollback()
                ctx.count(**{name: batch.counts[name] - before[name] for name in before})
                ctx.log(f"{moved} key(s) of this batch were added by someone else meanwhile; "
                        f"those rows were {'updated' if self.update_mode else 'skipped'}", "warning")


@contextlib.contextmanager
def open_lanes(engine: Engine, first: Lane, layout: Layout, now: dt.datetime, dry_run: bool) -> Iterator[list[Lane]]:
    """The import's lanes: `first` (the connection holding the workspace's import lock) and,
    on PostgreSQL when writing, more connections of their own; those are closed on the way out."""
    lanes = [first]
    try:
        if isinstance(first.backend, PostgresBackend) and not dry_run:
            for _ in range(POSTGRES_LANES - 1):
                conn = engine.connect()
                lanes.append(Lane(conn, make_backend(conn, layout, now)))
                lanes[-1].backend.prepare()
        yield lanes
    finally:
        for lane in lanes[1:]:
            with contextlib.suppress(Exception):  # a dead server: the import's own error says it
                lane.backend.close()
            lane.conn.close()
