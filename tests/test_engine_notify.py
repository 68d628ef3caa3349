"""Consoles hear of claims and finishes through coalesced notices (PostgreSQL), and the
payloads they parse carry every changed run id."""

from __future__ import annotations

import time

from app.engine import notify, runs
from app.engine.waiter import listen_connection
from app.engine.worker import Worker


def test_payloads_split_long_id_lists_and_parse_back():
    ids = list(range(100_000, 102_000))
    chunks = notify.payloads(ids)
    assert len(chunks) > 1 and all(len(c) < 8000 for c in chunks)
    assert [i for chunk in chunks for i in notify.parse_ids(chunk)] == ids
    assert notify.parse_ids("42") == [42] and notify.parse_ids("") == []


def _heard(conn, wanted: set[int], timeout: float = 10.0) -> set[int]:  # type: ignore[no-untyped-def]
    heard: set[int] = set()
    deadline = time.monotonic() + timeout
    while not wanted <= heard and time.monotonic() < deadline:
        for note in conn.notifies(timeout=0.2, stop_after=1):
            heard.update(notify.parse_ids(note.payload))
    return heard


def test_a_worker_announces_its_claims_and_finishes(engine):
    if engine.dialect.name != "postgresql":
        assert notify.announcer(engine) is None, "SQLite consoles poll; nothing to announce"
        return
    ids = {runs.enqueue(engine, "retention_cleanup", {}) for _ in range(3)}
    conn = listen_connection(engine, notify.RUNS)
    try:
        Worker(engine, "w").loop(until_empty=True)  # ends with a flush: nothing is left pending
        assert _heard(conn, ids) >= ids
    finally:
        conn.close()


def test_announcements_are_coalesced(engine):
    if engine.dialect.name != "postgresql":
        return
    announcer = notify.Announcer(engine, interval=30.0)
    conn = listen_connection(engine, notify.RUNS)
    try:
        announcer.add(1)  # the first after a quiet spell goes out at once
        assert _heard(conn, {1}) == {1}
        for run_id in (2, 3, 4):  # these wait for the interval (or a flush)
            announcer.add(run_id)
        assert list(conn.notifies(timeout=0.3, stop_after=1)) == []
        announcer.flush()
        notes = list(conn.notifies(timeout=5, stop_after=1))
        assert [notify.parse_ids(n.payload) for n in notes] == [[2, 3, 4]], "one notice for the three"
    finally:
        conn.close()
