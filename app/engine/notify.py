"""Change notification between processes: PostgreSQL NOTIFY, or nothing on SQLite (polled).

Two channels: QUEUE wakes idle workers when a run is enqueued; RUNS tells consoles that
runs changed (payload: their ids, comma-separated). `send` notifies inside the writer's
transaction, so a listener never hears about a change it cannot yet see; rare changes
(enqueue, cancel, recovery) use it.

The queue's hot path (claim, finish) uses `announce` instead: PostgreSQL serialises the
commits of notifying transactions on one lock, so a NOTIFY per claim and per finish made
four busy workers slower than one. `announce` is called after the change is committed and
gathers run ids per engine into one NOTIFY at most every `ANNOUNCE_EVERY` seconds (the
first after a quiet spell goes out at once); consoles redraw a few times a second anyway.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)
QUEUE = "batchdesk_queue"
RUNS = "batchdesk_runs"
ANNOUNCE_EVERY = 0.2
PAYLOAD_LIMIT = 7900  # PostgreSQL refuses payloads of 8000 bytes or more


def send(conn: Connection, channel: str, payload: str = "") -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})


def run_changed(conn: Connection, run_id: int) -> None:
    send(conn, RUNS, str(run_id))


def parse_ids(payload: str) -> list[int]:
    """Run ids from a RUNS payload (one id, or several comma-separated)."""
    return [int(part) for part in payload.split(",") if part.isdigit()]


def payloads(ids: list[int]) -> list[str]:
    """Comma-separated ids, split so that no payload passes PostgreSQL's limit."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for value in ids:
        item = str(value)
        if current and size + len(item) + 1 > PAYLOAD_LIMIT:
            chunks.append(",".join(current))
            current, size = [], 0
        current.append(item)
        size += len(item) + 1
    if current:
        chunks.append(",".join(current))
    return chunks


class Announcer:
    """Run ids changed by this process on one engine, sent as one NOTIFY per interval."""

    def __init__(self, engine: Engine, interval: float = ANNOUNCE_EVERY) -> None:
        self._engine = weakref.ref(engine)
        self.interval = interval
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._timer: threading.Timer | None = None
        self._last = 0.0

    def add(self, run_id: int) -> None:
        with self._lock:
            self._pending.add(run_id)
            if self._timer is not None:
                return
            delay = max(0.0, self._last + self.interval - time.monotonic())
            # not a daemon: a process that ends right after a run still tells the consoles
            self._timer = threading.Timer(delay, self.flush)
            self._timer.name = "batchdesk-announce"
            self._timer.start()

    def flush(self) -> None:
        """Send what is pending now (a worker calls this before it goes idle or ends)."""
        with self._lock:
            ids, self._pending = sorted(self._pending), set()
            timer, self._timer = self._timer, None
            self._last = time.monotonic()
        if timer is not None and timer is not threading.current_thread():
            timer.cancel()
        engine = self._engine()
        if not ids or engine is None:
            return
        try:
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                for payload in payloads(ids):
                    send(conn, RUNS, payload)
        except Exception as exc:  # consoles then catch up on their next refresh
            log.warning("announcing changed runs failed: %s", exc)


_announcers: weakref.WeakKeyDictionary[Engine, Announcer] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def announcer(engine: Engine) -> Announcer | None:
    """The engine's announcer; None on SQLite, where consoles poll."""
    if engine.dialect.name != "postgresql":
        return None
    with _registry_lock:
        found = _announcers.get(engine)
        if found is None:
            found = _announcers[engine] = Announcer(engine)
        return found


def announce(engine: Engine, run_id: int) -> None:
    """Tell consoles, soon, that a committed change touched this run."""
    found = announcer(engine)
    if found is not None:
        found.add(run_id)


def flush(engine: Engine) -> None:
    found = announcer(engine)
    if found is not None:
        found.flush()
