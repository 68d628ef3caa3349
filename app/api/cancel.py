"""Cancelling a query that another thread runs, when its answer is no longer wanted.

A search that no index serves ('zq': under three characters, few matches) reads every run:
0.7 s at 1M runs on PostgreSQL. The console's queries run one at a time on background threads,
so a search typed after it waited for it to end. The console now cancels the superseded query:
PostgreSQL's cancel request (psycopg `cancel_safe`), SQLite's `interrupt()`. A cancel can reach
the server after the statement ended, so a cancelled connection is dropped, never pooled again:
a late cancel must not hit the next query that would have used it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine

CANCEL_TIMEOUT_S = 5.0


class Cancelled(Exception):
    """The query was cancelled before it started."""


class Cancellable:
    """One request's queries: `connect` runs them, `cancel` (from any thread) stops them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: Any = None  # the DBAPI connection a statement may be running on
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def check(self) -> None:
        """Raise Cancelled when cancelled: between two statements of one request."""
        if self._cancelled:
            raise Cancelled()

    @contextmanager
    def connect(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            with self._lock:
                self.check()
                self._running = raw
            try:
                yield conn
            finally:
                with self._lock:
                    self._running = None
                    if self._cancelled:
                        conn.invalidate()

    def cancel(self) -> None:
        """Stop the running statement, if any, and every later one of this request. The request to
        PostgreSQL is a round trip to the server: it is sent from a short thread of its own, never
        from the caller's (the GUI's)."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            raw = self._running
        if raw is None:
            return
        if hasattr(raw, "cancel_safe"):  # psycopg 3
            threading.Thread(target=_send_cancel, args=(raw,), name="query-cancel", daemon=True).start()
        elif hasattr(raw, "interrupt"):  # sqlite3: sets a flag, returns at once
            raw.interrupt()


def _send_cancel(raw: Any) -> None:
    # the statement may have ended, the connection closed, the server gone: nothing left to stop
    with contextlib.suppress(Exception):
        raw.cancel_safe(timeout=CANCEL_TIMEOUT_S)
