"""The fast write paths of an import, one per backend, driven batch by batch.

PostgreSQL: new records go with `COPY` straight into the table (a unique violation would
abort a whole COPY, so the import holds an advisory lock on the workspace's key space and
the reader has already removed every key the workspace and the file hold); records to
update go with `COPY` into a temporary staging table and one set-based `UPDATE ... FROM`.
SQLite: `executemany` of plain INSERT/UPDATE statements, one transaction per (large) batch,
with the 256 MB page cache the engine sets.

If another writer slips a key in between (the lock only binds imports), the batch rolls
back, the keys it meant to create are looked up again and the batch is retried with
those rows skipped (or updated): nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from app.db import tables

LOCK_SPACE = zlib.crc32(b"batchdesk.import") & 0x7FFFFFFF
STAGE = "bd_import_stage"


@dataclass
class Batch:
    """Rows read since the last commit, already classified, plus what to report for them."""

    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    insert_keys: list[str] = field(default_factory=list)
    updates: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # key → update values (collapsed)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("processed", "created", "updated", "skipped", "failed"), 0))
    errors: list[tuple[int, str, str | None, Any]] = field(default_factory=list)
    rows_read: int = 0

    def __len__(self) -> int:
        return self.counts["processed"]


@dataclass(frozen=True)
class Layout:
    """Which columns an import writes: inserts get every mapped column plus defaults;
    updates change only the mapped columns (and updated_at)."""

    table: Table
    workspace_id: int
    key_column: str
    mapped: tuple[str, ...]  # clean-value columns, in the validator's order
    defaults: tuple[tuple[str, Any], ...]  # unmapped NOT NULL columns and their insert values

    @property
    def insert_columns(self) -> list[str]:
        return ["workspace_id", *self.mapped, *(c for c, _ in self.defaults)]


def defaults_for(table: Table, mapped: tuple[str, ...], now: Any) -> tuple[tuple[str, Any], ...]:
    wanted = {"created_at": now, "updated_at": now, "status": "new", "score": 0}
    return tuple((c, v) for c, v in wanted.items() if c in table.c and c not in mapped)


def _keys_present(conn: Connection, layout: Layout, keys: list[str]) -> set[str]:
    column = layout.table.c[layout.key_column]
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        part = keys[start:start + 500]
        rows = conn.execute(select(column).where(layout.table.c.workspace_id == layout.workspace_id,
                                                 func.lower(column).in_([k.lower() for k in part])))
        found.update(str(v).lower() for v in rows.scalars())
    return found


def reclassify(conn: Connection, layout: Layout, batch: Batch, update_mode: bool) -> int:
    """After a unique violation: rows whose key now exists become skipped (or updates)."""
    present = _keys_present(conn, layout, batch.insert_keys)
    if not present:
        return 0
    keep_rows, keep_keys = [], []
    width = len(layout.mapped)
    for row, key in zip(batch.inserts, batch.insert_keys, strict=True):
        if key in present:
            batch.counts["created"] -= 1
            if update_mode:
                batch.updates.setdefault(key, tuple(row[1:1 + width]))
                batch.counts["updated"] += 1
            else:
                batch.counts["skipped"] += 1
        else:
            keep_rows.append(row)
            keep_keys.append(key)
    batch.inserts, batch.insert_keys = keep_rows, keep_keys
    return len(present)


class Backend:
    """Writes one batch in the caller's transaction."""

    def __init__(self, conn: Connection, layout: Layout, now: dt.datetime) -> None:
        self.conn, self.layout, self.now = conn, layout, now
        self.raw: Any = conn.connection.driver_connection

    def prepare(self) -> None:
        pass

    def write(self, batch: Batch) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def adapt_datetime(self) -> Callable[[dt.datetime], Any]:
        return lambda value: value


class PostgresBackend(Backend):
    def lock(self, should_stop: Callable[[], bool], on_wait: Callable[[], None]) -> bool:
        """Hold the workspace's import lock for this session; False if stopped while waiting."""
        waited = False
        while True:
            got = self.conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                    {"a": LOCK_SPACE, "b": self.layout.workspace_id}).scalar()
            self.conn.commit()
            if got:
                return True
            if not waited:
                on_wait()
                waited = True
            if should_stop():
                return False
            self.conn.execute(text("SELECT pg_sleep(0.25)"))
            self.conn.commit()

    def prepare(self) -> None:
        table = self.layout.table
        columns = ", ".join(f"{c} {table.c[c].type.compile(dialect=self.conn.dialect)}" for c in self.layout.mapped)
        self.conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (key text, {columns}) ON COMMIT DELETE ROWS"))
        self.conn.commit()
        names = ", ".join(self.layout.insert_columns)
        self.copy_insert = f"COPY {table.name} ({names}) FROM STDIN"
        self.copy_stage = f"COPY {STAGE} (key, {', '.join(self.layout.mapped)}) FROM STDIN"
        sets = [f"{c} = COALESCE(s.{c}, t.{c})" if not table.c[c].nullable else f"{c} = s.{c}"
                for c in self.layout.mapped if c != "updated_at"]
        key = self.layout.key_column
        self.merge = (f"UPDATE {table.name} AS t SET {', '.join([*sets, 'updated_at = %(now)s'])} FROM {STAGE} AS s "
                      f"WHERE t.workspace_id = %(ws)s AND lower(t.{key}) = s.key")

    def write(self, batch: Batch) -> None:
        with self.raw.cursor() as cur:
            if batch.inserts:
                with cur.copy(self.copy_insert) as copy:
                    for row in batch.inserts:
                        copy.write_row(row)
            if batch.updates:
                with cur.copy(self.copy_stage) as copy:
                    for key, values in batch.updates.items():
                        copy.write_row((key, *values))
                cur.execute(f"ANALYZE {STAGE}")
                cur.execute(self.merge, {"now": self.now, "ws": self.layout.workspace_id})

    def close(self) -> None:
        self.conn.rollback()
        self.conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
        self.conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": LOCK_SPACE, "b": self.layout.workspace_id})
        self.conn.commit()


def sqlite_datetime(value: dt.datetime) -> str:
    """The text form SQLAlchemy stores in SQLite, so raw inserts sort and compare alike."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


class SqliteBackend(Backend):
    def prepare(self) -> None:
        table = self.layout.table
        columns = self.layout.insert_columns
        self.insert_sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        sets = [f"{c} = COALESCE(?, {c})" if not table.c[c].nullable else f"{c} = ?" for c in self.layout.mapped]
        self.update_sql = (f"UPDATE {table.name} SET {', '.join([*sets, 'updated_at = ?'])} "
                           f"WHERE workspace_id = ? AND lower({self.layout.key_column}) = ?")
        self.stamp = sqlite_datetime(self.now)

    def adapt_datetime(self) -> Callable[[dt.datetime], Any]:
        return sqlite_datetime

    def write(self, batch: Batch) -> None:
        if batch.inserts:
            self.raw.executemany(self.insert_sql, batch.inserts)
        if batch.updates:
            ws = self.layout.workspace_id
            self.raw.executemany(self.update_sql, [(*values, self.stamp, ws, key) for key, values in batch.updates.items()])


def make_backend(conn: Connection, layout: Layout, now: dt.datetime) -> Backend:
    return PostgresBackend(conn, layout, now) if conn.dialect.name == "postgresql" else SqliteBackend(conn, layout, now)


def load_keys(conn: Connection, table: Table, key_column: str, workspace_id: int) -> set[str]:
    """Every key the workspace holds, lower-cased in Python (as the file's keys are)."""
    column = table.c[key_column]
    result = conn.execute(select(column).where(table.c.workspace_id == workspace_id)
                          .execution_options(stream_results=True, yield_per=50_000))
    return {str(value).lower() for value in result.scalars()}


def layout_for(module: str, workspace_id: int, mapped: tuple[str, ...], key_column: str, now: Any) -> Layout:
    table = {"leads": tables.leads, "contacts": tables.contacts, "accounts": tables.accounts}[module]
    return Layout(table, workspace_id, key_column, mapped, defaults_for(table, mapped, now))
