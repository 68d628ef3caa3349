"""Set-based bulk changes to records: set fields where they differ, delete with what hangs on it.

Both work on one batch (a clause the caller narrows to an id range) in the caller's
transaction. Only rows whose values differ are written, so a second run changes nothing.
Rows that leave an account (deleted, or moved to another) first invalidate that account's
roll-up; deleted rows also take their search documents with them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, column, delete, func, or_, select, table, update

from app.db.search import MODULE_CODES
from app.domain import rollups
from app.records.modules import module_table


def changes_clause(module: str, values: dict[str, Any]) -> ColumnElement[bool]:
    """Rows where at least one of the new values differs from the stored one."""
    t = module_table(module)
    return or_(*[t.c[name].is_distinct_from(value) for name, value in values.items()])


def count_matching(conn: Connection, module: str, where: ColumnElement[bool]) -> int:
    t = module_table(module)
    return int(conn.execute(select(func.count()).select_from(t).where(where)).scalar_one())


def set_values(conn: Connection, module: str, where: ColumnElement[bool], values: dict[str, Any],
               now: dt.datetime) -> int:
    """Write `values` to the selected rows that differ; returns how many changed."""
    t = module_table(module)
    cond = and_(where, changes_clause(module, values))
    if "account_id" in values and "account_id" in t.c:
        rollups.invalidate(conn, t, cond)  # the accounts they leave
    # RETURNING gives an exact count on every driver (psycopg may report none).
    return len(conn.execute(update(t).where(cond).values(**values, updated_at=now).returning(t.c.id)).all())


def _search_documents(conn: Connection):  # type: ignore[no-untyped-def]
    key = "rowid" if conn.dialect.name == "sqlite" else "doc_id"
    return table("search_documents", column(key)), key


def delete_records(conn: Connection, module: str, where: ColumnElement[bool]) -> int:
    """Delete the selected rows, their search documents, and invalidate their accounts' roll-ups."""
    t = module_table(module)
    if "account_id" in t.c:
        rollups.invalidate(conn, t, where)
    docs, key = _search_documents(conn)
    doc_ids = select(t.c.id * 4 + MODULE_CODES[module]).where(where)
    conn.execute(delete(docs).where(docs.c[key].in_(doc_ids)))
    return len(conn.execute(delete(t).where(where).returning(t.c.id)).all())
