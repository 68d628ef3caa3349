"""Schema upgrades of one database take turns, across processes and workstations.

PostgreSQL: a session advisory lock held for the whole upgrade. The waiter polls it with
pg_try_advisory_lock in short transactions instead of blocking in pg_advisory_lock: a statement
that blocks holds a snapshot, and CREATE INDEX CONCURRENTLY (migrations 0008, 0009) waits for
every older snapshot of the database to end, while the waiter waits for the builder's lock: a
deadlock, which the server broke by failing the waiting upgrade (3 of 4 runs of the two-process
test in tests/test_migrations.py, with the build concurrent and the waiter blocking). Between
polls the waiter holds no snapshot.

SQLite: a lock file beside the database (filelock; an OS lock, freed if the process dies). An
exclusive SQLite transaction would serialise too, but only for busy_timeout (30 s), which an
upgrade of a large file outlasts, and it would hold readers' writes for all of it as well.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from filelock import FileLock, Timeout
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

UPGRADE_LOCK = zlib.crc32(b"batchdesk.schema-upgrade") & 0x7FFFFFFF
#: The waiter's polls: from 50 ms (a short upgrade) doubling to 1 s (a long index build).
FIRST_POLL_S, LAST_POLL_S = 0.05, 1.0
log = logging.getLogger("alembic.runtime.migration")


@contextmanager
def upgrade_turn(connection: Connection) -> Iterator[None]:
    """Hold this database's upgrade turn while the block runs; `connection` has no transaction
    open when this returns or when the block ends (Alembic opens its own)."""
    if connection.dialect.name == "postgresql":
        _wait_for_advisory_lock(connection)
        try:
            yield
        finally:
            # closing the connection frees the lock too: a failure here must not hide the block's
            with suppress(DBAPIError):
                connection.rollback()  # whatever the block left open (normally nothing)
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
                connection.commit()
        return
    path = sqlite_file(connection.engine.url.database)
    if path is None:  # an in-memory database: no other process can see it
        yield
        return
    lock = FileLock(path + ".upgrade-lock")
    try:
        lock.acquire(blocking=False)
    except Timeout:
        log.info("another upgrade of %s is running; waiting for it to end", path)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _wait_for_advisory_lock(connection: Connection) -> None:
    poll, said = FIRST_POLL_S, False
    while True:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": UPGRADE_LOCK}).scalar()
        connection.commit()  # no transaction (and no snapshot) held between polls
        if got:
            return
        if not said:
            log.info("another upgrade of this database is running; waiting for it to end")
            said = True
        time.sleep(poll)
        poll = min(poll * 2, LAST_POLL_S)


def sqlite_file(database: str | None) -> str | None:
    """The file a SQLite URL's database names, or None for an in-memory database."""
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI filename (?uri=true)
        database = database[len("file:"):].split("?", 1)[0]
        if not database or database == ":memory:":
            return None
    return database
