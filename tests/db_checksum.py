"""A checksum of every domain table, to prove that a Dry Run (or a second run) changed nothing.

Job tables (runs, logs, artifacts, settings…) are left out: recording a run is expected.
Each table gets its own digest so a failing assertion names the table that changed.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, inspect, select, text

from app.db import tables

DOMAIN_TABLES = (
    tables.workspaces, tables.org_units, tables.employees, tables.accounts, tables.contacts, tables.leads,
    tables.scoring_rules, tables.account_rollups, tables.notifications, tables.sync_state,
)


def _digest(rows: object) -> str:
    h = hashlib.sha256()
    for row in rows:  # type: ignore[attr-defined]
        h.update(repr(tuple(row)).encode())
        h.update(b"\n")
    return h.hexdigest()


def domain_checksums(engine: Engine) -> dict[str, str]:
    """{table name: sha256 of all its rows in primary-key order}, search index included."""
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for table in DOMAIN_TABLES:
            out[table.name] = _digest(conn.execute(select(table).order_by(*table.primary_key.columns)))
        if "search_documents" in inspect(conn).get_table_names():
            key = "rowid" if conn.dialect.name == "sqlite" else "doc_id"
            out["search_documents"] = _digest(conn.execute(
                text(f"SELECT {key}, workspace_id, module, record_id, title, body FROM search_documents ORDER BY {key}")))
    return out
