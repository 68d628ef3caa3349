"""One way to build an Engine, with the per-backend settings that make it fast and safe.

SQLite gets WAL (readers never block the writer), a busy timeout (several workers and
consoles share the file), foreign keys and a 256 MB page cache (bulk imports). PostgreSQL
URLs are normalised to the psycopg 3 driver.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

IMMEDIATE = "batchdesk_sqlite_immediate"
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-262144",
    "PRAGMA temp_store=MEMORY",
)


def normalize_url(url: str) -> str:
    """Accept plain postgres:// URLs and point them at psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's transaction handling work with SQLite's own: issue BEGIN ourselves.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that reads and then writes. On SQLite it takes the write lock up front
    (BEGIN IMMEDIATE): a deferred one that reads first cannot upgrade once another writer
    has committed, and fails at once with 'database is locked' instead of waiting."""
    with engine.connect() as conn:
        conn.execution_options(**{IMMEDIATE: True})
        with conn.begin():
            yield conn


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an Engine for a SQLite file or a PostgreSQL server."""
    url = normalize_url(url)
    if is_sqlite(url):
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # No pre-ping: it costs a round trip per checkout (more than a claim). A dropped
    # connection raises once, SQLAlchemy then invalidates the pool, and callers retry.
    kwargs.setdefault("pool_recycle", 1800)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=8)
def shared_engine(url: str) -> Engine:
    """One Engine per URL per process, for the CLI and the console."""
    return make_engine(url)
