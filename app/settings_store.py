"""Admin settings kept in the shared database (retention, SMTP, ...), with typed defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from app.clock import utcnow
from app.db import tables

table = tables.settings

DEFAULTS: dict[str, Any] = {
    "retention.history_days": 90,
    "retention.export_days": 7,
    "retention.failed_records_days": 30,
    "smtp.host": "",
    "smtp.port": 25,
    "smtp.sender": "batchdesk@localhost",
    "smtp.starttls": False,
    "smtp.username": "",
    "digest.recipients": [],
}


def get(conn: Connection, key: str) -> Any:
    value = conn.execute(select(table.c.value).where(table.c.key == key)).scalar()
    return DEFAULTS.get(key) if value is None else value


def get_all(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        stored = {row.key: row.value for row in conn.execute(select(table.c.key, table.c.value))}
    return {**DEFAULTS, **stored}


def put(conn: Connection, key: str, value: Any) -> None:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(table).values(key=key, value=value, updated_at=utcnow())
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": utcnow()}))


def retention_days(conn: Connection) -> dict[str, int]:
    return {
        "history": int(get(conn, "retention.history_days")),
        "export": int(get(conn, "retention.export_days")),
        "failed_records": int(get(conn, "retention.failed_records_days")),
    }
