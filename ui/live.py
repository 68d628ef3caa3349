"""Hearing about runs that change anywhere: LISTEN on PostgreSQL, a short poll on SQLite.

A background thread collects changed run ids and emits them in batches (at most one batch
per `COALESCE_S`), so a burst of progress from twenty jobs costs the GUI one refresh.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from PySide6.QtCore import QThread, Signal
from sqlalchemy import Engine

from app.clock import utcnow
from app.engine import history, notify
from app.engine.waiter import listen_connection

log = logging.getLogger(__name__)
COALESCE_S = 0.2
# Each poll looks back this far before its own start: an SQLite writer stamps updated_at before
# it has the write lock, and its busy handler sleeps up to 100 ms a try, so a change can commit
# well after its stamp; with a 50 ms overlap such a change (a cancel, a run's last status)
# was never seen and the console kept showing the run as running. Ids seen twice are harmless.
POLL_OVERLAP = dt.timedelta(seconds=2)
SQLITE_POLL_S = 0.5


class ChangeFeed(QThread):
    changed = Signal(object)  # run ids

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.setObjectName("change-feed")
        self.engine = engine
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.engine.dialect.name == "postgresql":
                    self._listen()
                else:
                    self._poll()
            except Exception as exc:  # database gone: say so, retry shortly
                log.warning("change feed: %s", exc)
                self._stop.wait(2.0)

    def _listen(self) -> None:
        conn = listen_connection(self.engine, notify.RUNS)
        try:
            while not self._stop.is_set():
                ids: set[int] = set()
                deadline: float | None = None
                while not self._stop.is_set():
                    wait = 0.25 if deadline is None else max(0.0, deadline - time.monotonic())
                    got = False
                    for note in conn.notifies(timeout=wait, stop_after=1):
                        got = True
                        ids.update(notify.parse_ids(note.payload))
                    if got and deadline is None:
                        deadline = time.monotonic() + COALESCE_S
                    if deadline is not None and time.monotonic() >= deadline:
                        break
                if ids:
                    self.changed.emit(sorted(ids))
        finally:
            conn.close()

    def _poll(self) -> None:
        since = utcnow() - dt.timedelta(seconds=1)
        while not self._stop.wait(SQLITE_POLL_S):
            started = utcnow()
            ids = history.changed_since(self.engine, since)
            since = started - POLL_OVERLAP
            if ids:
                self.changed.emit(ids)

    def stop(self) -> None:
        self._stop.set()
        self.wait()
