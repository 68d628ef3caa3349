"""The notifications outbox: mail waiting for delivery. A unique `dedupe_key` makes a message
exist once (e.g. one digest per recipient and day), `sent_at` makes it go out once, and an
optimistic claim on `attempts` keeps two overlapping delivery runs from sending it twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.clock import utcnow
from app.db import tables

outbox = tables.notifications
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    recipient: str
    subject: str
    body: str
    attempts: int


def enqueue(conn: Connection, *, kind: str, recipient: str, subject: str, body: str,
            workspace_id: int | None = None, dedupe_key: str | None = None,
            created_at: dt.datetime | None = None) -> bool:
    """Add a message; False when one with the same dedupe_key is already there."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(outbox).values(
        workspace_id=workspace_id, kind=kind, recipient=recipient, subject=subject[:255], body=body,
        dedupe_key=dedupe_key, created_at=created_at or utcnow(), sent_at=None, attempts=0, last_error=None,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(outbox.c.id)
    return conn.execute(stmt).first() is not None  # RETURNING: psycopg gives no rowcount here


def has_key(conn: Connection, dedupe_key: str) -> bool:
    return conn.execute(select(outbox.c.id).where(outbox.c.dedupe_key == dedupe_key)).first() is not None


def _pending_clause(workspace_id: int | None):  # type: ignore[no-untyped-def]
    cond = and_(outbox.c.sent_at.is_(None), outbox.c.attempts < MAX_ATTEMPTS)
    return cond if workspace_id is None else and_(cond, outbox.c.workspace_id == workspace_id)


def pending(conn: Connection, workspace_id: int | None, limit: int | None = None) -> list[Message]:
    """Unsent messages (one workspace's, or all) that have attempts left, oldest first."""
    stmt = (select(outbox.c.id, outbox.c.kind, outbox.c.recipient, outbox.c.subject, outbox.c.body, outbox.c.attempts)
            .where(_pending_clause(workspace_id)).order_by(outbox.c.id).limit(limit))
    return [Message(int(r.id), r.kind, r.recipient, r.subject, r.body, int(r.attempts)) for r in conn.execute(stmt)]


def count_pending(conn: Connection, workspace_id: int | None) -> int:
    stmt = select(func.count()).select_from(outbox).where(_pending_clause(workspace_id))
    return int(conn.execute(stmt).scalar_one())


def claim(conn: Connection, message: Message) -> bool:
    """Take the message for sending; False when another run took it (or sent it) first."""
    stmt = (update(outbox)
            .where(and_(outbox.c.id == message.id, outbox.c.attempts == message.attempts, outbox.c.sent_at.is_(None)))
            .values(attempts=message.attempts + 1))
    return bool(conn.execute(stmt).rowcount)


def mark_sent(conn: Connection, message_id: int, at: dt.datetime) -> None:
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(sent_at=at, last_error=None))


def mark_failed(conn: Connection, message_id: int, error: str) -> None:
    conn.execute(update(outbox).where(outbox.c.id == message_id).values(last_error=error[:2000]))
