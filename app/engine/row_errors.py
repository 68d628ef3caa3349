"""Storing a run's row errors: on SQLite in ONE statement over a JSON array.

An import commits a few hundred row errors with every batch. SQLAlchemy's `executemany`
binds them one row at a time, and Python's sqlite3 takes the GIL back for every row; with
the import's reader thread busy, each row waited for the GIL (up to the 5 ms switch
interval): 1.8 s of a million-row import went on 20,000 error rows (measured). One
`INSERT ... SELECT ... FROM json_each(?)` loops in SQLite's C with the GIL released. The
stored values are the same as SQLAlchemy's: `raw` as JSON text, None as JSON `null`.
PostgreSQL keeps SQLAlchemy's path (psycopg pipelines it and does not convoy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, insert

from app.db import tables

# In a row error's `raw` (the row's cells by column name), the key under which an import keeps
# the kinds of cells JSON has no type for (dates: `app.transfer.rawcells`). Never a column:
# no header is empty. Not shown: `shown_raw` leaves it out.
TYPES_KEY = ""


def shown_raw(raw: Any) -> Any:
    """`raw` as people see it: the row's cells, without the kinds kept for the failed-records file."""
    if isinstance(raw, dict) and TYPES_KEY in raw:
        return {k: v for k, v in raw.items() if k != TYPES_KEY}
    return raw

_SQLITE_INSERT = (
    "INSERT INTO job_row_errors (run_id, row_number, field, message, raw) "
    "SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value -> 4 "
    "FROM json_each(?) AS j ORDER BY j.key"
)


def insert_row_errors(conn: Connection, run_id: int, errors: Sequence[dict[str, Any]]) -> None:
    """Store the errors (dicts of row_number, field, message, raw) for the run, in order."""
    if not errors:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(tables.job_row_errors), [{**e, "run_id": run_id} for e in errors])
        return
    rows = [(run_id, e.get("row_number"), e.get("field"), e["message"], e.get("raw")) for e in errors]
    text = orjson.dumps(rows, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    conn.exec_driver_sql(_SQLITE_INSERT, (text,))
