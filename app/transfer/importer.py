"""The import pipeline: read → map → validate → dedup by key → write in committed batches.

One pass over the file. The reader thread (the job's) parses, validates and classifies each
row against the set of keys the workspace and the file hold (case-insensitive), so a
duplicate is decided in memory; a writer thread commits each finished batch together with
the run's checkpoint, counters and row errors in ONE transaction, while the next batch is
being read. A worker that dies therefore leaves the database exactly at a checkpoint, and
the resumed run skips the rows that checkpoint covers: no row is imported twice. Cancel
stops between batches and keeps every committed batch. Dry run does all of it but the
domain writes.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.engine.context import JobContext
from app.records.fields import Lookups, field_map, load_lookups, match_key, row_validator
from app.records.validators import as_text
from app.transfer.sources import Source
from app.transfer.writers import (
    Backend,
    Batch,
    PostgresBackend,
    layout_for,
    load_keys,
    make_backend,
    reclassify,
    sqlite_datetime,
)

DEFAULT_BATCH = {"postgresql": 20_000, "sqlite": 50_000}


def _same(value: Any) -> Any:
    return value


def _integrity_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    import psycopg

    return IntegrityError, psycopg.errors.IntegrityError, sqlite3.IntegrityError


def raw_json(headers: list[str], cells: list[Any]) -> dict[str, Any]:
    """The row as the file had it, JSON-safe (dates as ISO text), for errors and failed-records."""
    raw: dict[str, Any] = {}
    for i, cell in enumerate(cells):
        name = headers[i] if i < len(headers) else f"Column {i + 1}"
        raw[name] = cell if isinstance(cell, str | int | float | bool) or cell is None else as_text(cell)
    return raw


class BatchWriter(threading.Thread):
    """Commits batches in order on its own connection; the reader hands them over a short queue."""

    def __init__(self, ctx: JobContext, conn: Connection, backend: Backend, update_mode: bool) -> None:
        super().__init__(name=f"import-writer-{ctx.run_id}", daemon=True)
        self.ctx, self.conn, self.backend, self.update_mode = ctx, conn, backend, update_mode
        self.batches: queue.Queue[Batch | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def submit(self, batch: Batch) -> None:
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
        if self.is_alive():
            self.batches.put(None)
            self.join()
        self.raise_error()

    def run(self) -> None:
        try:
            while (batch := self.batches.get()) is not None:
                self.commit(batch)
        except BaseException as exc:  # handed to the reader thread, which raises it
            self.error = exc
            while self.batches.get() is not None:  # let a blocked submit() see the error
                pass

    def commit(self, batch: Batch) -> None:
        ctx = self.ctx
        for attempt in (1, 2):
            trans = self.conn.begin()
            try:
                if not ctx.dry_run:
                    self.backend.write(batch)
                ctx.count(**batch.counts)
                for row_number, message, field, raw in batch.errors:
                    ctx.row_error(row_number, message, field=field, raw=raw)
                ctx.save_checkpoint(self.conn, {"rows_read": batch.rows_read})
                trans.commit()
                return
            except _integrity_errors():
                trans.rollback()
                if attempt == 2:
                    raise
                moved = reclassify(self.conn, self.backend.layout, batch, self.update_mode)
                self.conn.rollback()
                ctx.log(f"{moved} key(s) of this batch were added by someone else meanwhile; "
                        f"those rows were {'updated' if self.update_mode else 'skipped'}", "warning")


class Importer:
    def __init__(self, ctx: JobContext, source: Source, module: str, mapping: dict[str, str], duplicates: str,
                 batch_size: int | None, workspace_id: int) -> None:
        self.ctx, self.source, self.module = ctx, source, module
        self.update_mode = duplicates == "update"
        self.workspace_id = workspace_id
        headers = source.info.headers
        fields = field_map(module)
        ordered = [k for k in fields if k in mapping.values()]
        self.columns = [headers.index(next(h for h in headers if mapping.get(h) == k)) for k in ordered]
        self.validator = row_validator(module, tuple(ordered))
        self.key_pos = ordered.index(match_key(module))
        self.headers = headers
        self.batch_size = batch_size
        self.now = utcnow()

    def run(self) -> bool:
        """Import the whole file (or the rest of it); True when stopped on request."""
        ctx = self.ctx
        conn = ctx.engine.connect()
        try:
            with conn.begin():
                lookups = load_lookups(conn, self.workspace_id, self.module)
            adapt = sqlite_datetime if conn.dialect.name == "sqlite" else _same
            mapped = tuple(self.validator.columns(lookups))
            layout = layout_for(self.module, self.workspace_id, mapped, match_key(self.module), adapt(self.now))
            backend = make_backend(conn, layout, self.now)
            if isinstance(backend, PostgresBackend) and not ctx.dry_run and not backend.lock(
                    ctx.should_stop, lambda: ctx.log("Waiting for another import into this workspace to finish")):
                return True
            try:
                backend.prepare()
                with conn.begin():
                    keys = load_keys(conn, layout.table, layout.key_column, self.workspace_id)
                ctx.log(f"{len(keys):,} {self.module} already in the workspace; duplicates are "
                        f"{'updated' if self.update_mode else 'skipped'}")
                writer = BatchWriter(ctx, conn, backend, self.update_mode)
                writer.start()
                try:
                    return self._read(writer, keys, lookups, adapt, conn.dialect.name)
                finally:
                    writer.finish()
            finally:
                backend.close()
        finally:
            conn.close()

    def _read(self, writer: BatchWriter, keys: set[str], lookups: Lookups, adapt: Any, dialect: str) -> bool:
        """Returns True when stopped on request before the end of the file."""
        ctx = self.ctx
        state = ctx.checkpoint_state or {}
        rows_read = int(state.get("rows_read", 0))
        if rows_read:
            ctx.log(f"Resuming after row {rows_read + 1:,}: the first {rows_read:,} data rows were committed before")
        size = self.batch_size or DEFAULT_BATCH.get(dialect, 20_000)
        columns, validate, key_pos = self.columns, self.validator, self.key_pos
        ws, update_mode = self.workspace_id, self.update_mode
        created_pos = self.validator.keys.index("created_at") + 1 if "created_at" in self.validator.keys else None
        stamp = adapt(self.now)
        tail = tuple(v for _, v in writer.backend.layout.defaults)
        batch = Batch()
        counts = batch.counts
        for row_number, cells, problem in self.source.records(skip=rows_read):
            rows_read += 1
            if cells:
                counts["processed"] += 1
                errors: list[tuple[str, str]]
                if problem is None:
                    values = [cells[i] for i in columns]
                    clean, errors = validate(values, lookups)
                else:
                    clean, errors = [], [("", problem)]
                if errors:
                    counts["failed"] += 1
                    raw = raw_json(self.headers, cells)
                    for field, message in errors:
                        batch.errors.append((row_number, message, field or None, raw))
                else:
                    key = clean[key_pos].lower()
                    if key in keys:
                        if update_mode:
                            if created_pos is not None and clean[created_pos - 1] is not None:
                                clean[created_pos - 1] = adapt(clean[created_pos - 1])
                            batch.updates[key] = tuple(clean)
                            counts["updated"] += 1
                        else:
                            counts["skipped"] += 1
                    else:
                        keys.add(key)
                        row = (ws, *clean, *tail)
                        if created_pos is not None:
                            created = row[created_pos]
                            row = (*row[:created_pos], stamp if created is None else adapt(created), *row[created_pos + 1:])
                        batch.inserts.append(row)
                        batch.insert_keys.append(key)
                        counts["created"] += 1
            if counts["processed"] >= size:
                batch.rows_read = rows_read
                writer.submit(batch)
                batch = Batch()
                counts = batch.counts
                if ctx.should_stop():
                    return True
        batch.rows_read = rows_read
        writer.submit(batch)
        return False
