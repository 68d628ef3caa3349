"""Change notification between processes: PostgreSQL NOTIFY, or nothing on SQLite (polled).

Two channels: QUEUE wakes idle workers when a run is enqueued; RUNS tells consoles that a
run changed (payload: its id). Sending is done inside the writer's transaction, so a
listener never hears about a change it cannot yet see.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

QUEUE = "batchdesk_queue"
RUNS = "batchdesk_runs"


def send(conn: Connection, channel: str, payload: str = "") -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})


def run_changed(conn: Connection, run_id: int) -> None:
    send(conn, RUNS, str(run_id))
