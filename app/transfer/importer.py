"""The import pipeline: read → map → validate → dedup by key → write in committed batches.

One pass over the file. The reader thread (the job's) parses, validates and classifies each
row against the set of keys the workspace and the file hold (case-insensitive), so a
duplicate is decided in memory; writer threads (`app.transfer.lanes`: two on PostgreSQL)
commit each finished batch together with the run's checkpoint, counters and row errors in
ONE transaction, in file order, while the next batch is being read. A worker that dies therefore leaves the database exactly at a checkpoint, and
the resumed run skips the rows that checkpoint covers: no row is imported twice. Cancel
stops between batches and keeps every committed batch. Dry run does all of it but the
domain writes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from itertools import compress
from operator import not_
from typing import Any

from sqlalchemy import Connection

from app.clock import utcnow
from app.db.keyfold import fold_keys
from app.engine.context import JobContext
from app.records.columns import validate_columns
from app.records.fields import Lookups, field_map, load_lookups, match_key, row_validator
from app.transfer.batch import Batch
from app.transfer.keys import SeenKeys
from app.transfer.lanes import BatchWriters, Lane, open_lanes
from app.transfer.rawcells import raw_json
from app.transfer.sources import Source, too_long, too_long_message
from app.transfer.writers import (
    Layout,
    PostgresBackend,
    existing_keys,
    layout_for,
    make_backend,
    sqlite_datetime,
)

DEFAULT_BATCH = 20_000  # rows; 50,000 saved ~5% of the time for ~60 MB more memory
ANALYZE_AFTER = 10_000  # rows created or updated
CLASSIFY_STEP = 2_000  # rows validated at a time (see `_classify`)


@contextlib.contextmanager
def rare_gc() -> Iterator[None]:
    """Collect garbage rarely while importing. A batch holds ~100,000 fresh lists and tuples
    (no cycles); at the default thresholds the collector walks them over and over, which took
    a third of the reader's time. The thresholds are process-wide, so they are put back."""
    saved = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


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
        self.unmapped = [i for i in range(len(headers)) if i not in self.columns]
        self.validator = row_validator(module, tuple(ordered))
        self.key_pos = ordered.index(match_key(module))
        self.headers = headers
        self.batch_size = batch_size
        self.now = utcnow()

    def run(self) -> bool:
        """Import the whole file (or the rest of it); True when stopped on request."""
        with rare_gc():
            return self._run()

    def _run(self) -> bool:
        ctx = self.ctx
        conn = ctx.engine.connect()
        try:
            with conn.begin():
                lookups = load_lookups(conn, self.workspace_id, self.module)
            stamp = sqlite_datetime(self.now) if conn.dialect.name == "sqlite" else self.now
            mapped = tuple(self.validator.columns(lookups))
            layout = layout_for(self.module, self.workspace_id, mapped, match_key(self.module), stamp)
            backend = make_backend(conn, layout, self.now)
            if isinstance(backend, PostgresBackend) and not ctx.dry_run and not backend.lock(
                    ctx.should_stop, lambda: ctx.log("Waiting for another import into this workspace to finish")):
                return True
            try:
                backend.prepare()
                with conn.begin():
                    keys = SeenKeys(existing_keys(conn, layout))
                ctx.log(f"{len(keys):,} {self.module} already in the workspace; duplicates are "
                        f"{'updated' if self.update_mode else 'skipped'}")
                with open_lanes(ctx.engine, Lane(conn, backend), layout, self.now, ctx.dry_run) as lanes:
                    writer = BatchWriters(ctx, lanes, self.update_mode)
                    writer.start()
                    try:
                        stopped = self._read(writer, keys, lookups)
                    finally:
                        del keys  # ~80 MB for a million keys: not kept through the statistics and the failed-records file
                        writer.finish()
            finally:
                backend.close()
            self._refresh_statistics(conn, layout)
            return stopped
        finally:
            conn.close()

    def _refresh_statistics(self, conn: Connection, layout: Layout) -> None:
        """After a big load the planner still believes the old row counts (autovacuum catches up
        within minutes): filters and exports right after an import would pick bad plans."""
        counters = self.ctx.counters()
        changed = int(counters["created"] or 0) + int(counters["updated"] or 0)
        if self.ctx.dry_run or changed < ANALYZE_AFTER:
            return
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {layout.table.name}")
        else:  # a sample, as SQLite advises: a full ANALYZE read all of a million leads (0.4 s)
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("PRAGMA optimize")
        conn.commit()

    def _read(self, writer: BatchWriters, keys: SeenKeys, lookups: Lookups) -> bool:
        """Returns True when stopped on request before the end of the file."""
        ctx = self.ctx
        rows_read = int((ctx.checkpoint_state or {}).get("rows_read", 0))
        if rows_read:
            ctx.log(f"Resuming after row {rows_read + 1:,}: the first {rows_read:,} data rows were committed before")
        size = self.batch_size or DEFAULT_BATCH
        for block in self.source.blocks(size, skip=rows_read):
            batch = Batch()
            for row_number, cells, problem in block.problems:
                batch.errors.append((row_number, problem or "", None, raw_json(self.headers, cells)))
            batch.counts["failed"] = batch.counts["processed"] = len(block.problems)
            self._classify(batch, block.rows, block.numbers, keys, lookups)
            rows_read += block.consumed
            batch.rows_read = rows_read
            writer.submit(batch)
            if ctx.should_stop():
                return True
        return False

    def _classify(self, batch: Batch, rows: list[list[Any]], numbers: Sequence[int], keys: SeenKeys,
                  lookups: Lookups) -> None:
        """Validate the rows column-wise, then decide each valid row by its key: create, or
        (already in the workspace or earlier in the file) skip or update. A few thousand rows
        at a time: each whole-column step is one C call that holds the GIL, and the SQLite
        writer, back from each of its statements, waits for the call in progress to end."""
        batch.counts["processed"] += len(rows)
        for start in range(0, len(rows), CLASSIFY_STEP):
            self._classify_part(batch, rows[start:start + CLASSIFY_STEP], numbers[start:start + CLASSIFY_STEP],
                                keys, lookups)
        rows.clear()

    def _classify_part(self, batch: Batch, rows: list[list[Any]], numbers: Sequence[int], keys: SeenKeys,
                       lookups: Lookups) -> None:
        if not rows:
            return
        counts = batch.counts
        everything = list(zip(*rows, strict=True))
        del rows  # the columns hold the cells now
        columns, errors = validate_columns(self.validator, [everything[i] for i in self.columns], lookups)
        if self.source.info.format == "csv":
            for i in self.unmapped:
                for index in too_long(everything[i]):
                    errors.setdefault(index, []).append(("", too_long_message(i + 1, len(everything[i][index]))))
        offset = len(batch.columns[0]) if batch.columns else 0
        if batch.columns:
            for gathered, column in zip(batch.columns, columns, strict=True):
                gathered.extend(column)
        else:
            batch.columns = columns
        key_column = columns[self.key_pos]
        for index, problems in sorted(errors.items()):
            raw = raw_json(self.headers, [column[index] for column in everything])
            for field, message in problems:
                batch.errors.append((numbers[index], message, field or None, raw))
            key_column[index] = ""
        counts["failed"] += len(errors)
        lowered = fold_keys(key_column)
        valid = [offset + index for index, key in enumerate(lowered) if key] if errors else range(offset, offset + len(lowered))
        chosen = [key for key in lowered if key] if errors else lowered
        seen = keys.classify(chosen)
        fresh = list(map(not_, seen))
        batch.inserts += compress(valid, fresh)
        batch.insert_keys += compress(chosen, fresh)
        repeated = sum(seen)
        if self.update_mode:
            batch.updates.update(compress(zip(chosen, valid, strict=True), seen))  # a key's last row wins
            counts["updated"] += repeated
        else:
            counts["skipped"] += repeated
        counts["created"] += len(chosen) - repeated
