"""How an idle worker waits for work: LISTEN on PostgreSQL (woken in about a millisecond),
a short poll on SQLite. Either way a stop request ends the wait at once."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from sqlalchemy import Engine

from app.engine import notify

SQLITE_POLL = 0.05


class QueueWaiter:
    def __init__(self, engine: Engine, stop_event: threading.Event) -> None:
        self.engine = engine
        self.stop_event = stop_event
        self._conn: psycopg.Connection[Any] | None = None
        if engine.dialect.name == "postgresql":
            self._conn = listen_connection(engine, notify.QUEUE)

    def wait(self, timeout: float) -> None:
        """Return when work may be there, on stop, or after `timeout` seconds."""
        if self._conn is None:
            self.stop_event.wait(min(timeout, SQLITE_POLL))
            return
        # short slices so a stop request is honoured quickly
        slice_ = min(timeout, 0.25)
        for _ in self._conn.notifies(timeout=slice_, stop_after=1):
            return

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def listen_connection(engine: Engine, *channels: str) -> psycopg.Connection[Any]:
    """A plain autocommit psycopg connection listening on the given channels."""
    url = engine.url.set(drivername="postgresql")
    conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    for channel in channels:
        conn.execute(f"LISTEN {channel}")
    return conn
