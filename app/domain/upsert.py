"""Merging validated records into a module by its match key, the way imports resolve duplicates.

The key (leads/contacts: email, accounts: name) is compared ignoring ASCII letter case
(`app.db.keyfold`, as the unique index does) within the workspace and within the incoming
rows. `skip` adds new records and skips duplicates;
`update` adds new records and updates duplicates — writing only the fields that differ,
so merging the same rows again changes nothing. A blank created_at means "not given", as in
an import: now on insert, the stored value kept on update (the column is NOT NULL). One batch is planned with one query for
the existing keys, then written with one executemany per statement shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from app.db.keyfold import fold_key, key_fold
from app.records.fields import match_key
from app.records.modules import module_table

Mode = Literal["skip", "update"]


@dataclass
class UpsertPlan:
    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → values
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → changed values
    skipped: int = 0
    unchanged: int = 0


def plan(conn: Connection, module: str, workspace_id: int, rows: list[dict[str, Any]], mode: Mode,
         known: dict[str, dict[str, Any]] | None = None) -> UpsertPlan:
    """Decide per row: create, update (changed fields only), skip or leave. `known` holds the
    records an earlier batch of a dry run would have created (nothing was written for them)."""
    table = module_table(module)
    key = match_key(module)
    keys = sorted({fold_key(str(r[key])) for r in rows})
    existing: dict[str, dict[str, Any]] = {}
    if keys:
        stmt = select(table).where(and_(table.c.workspace_id == workspace_id, key_fold(table.c[key]).in_(keys)))
        existing = {fold_key(str(r._mapping[key])): dict(r._mapping) for r in conn.execute(stmt)}
    out = UpsertPlan()
    for row in rows:
        if "created_at" in row and row["created_at"] is None:
            row = {c: v for c, v in row.items() if c != "created_at"}
        k = fold_key(str(row[key]))
        current = existing.get(k) or (known or {}).get(k)
        pending = out.inserts.get(k)
        if mode == "skip" and (current is not None or pending is not None):
            out.skipped += 1
        elif pending is not None:
            pending.update(row)  # a later row for the same new record wins
        elif current is None:
            out.inserts[k] = dict(row)
        else:
            changed = {c: v for c, v in row.items() if current.get(c) != v}
            if not changed:
                out.unchanged += 1
            elif "id" in current:
                out.updates.setdefault(int(current["id"]), {}).update(changed)
                current.update(changed)
            else:  # a dry run's "would be created" record, changed again
                current.update(changed)
    if known is not None:
        known.update(out.inserts)
    return out


def apply(conn: Connection, module: str, workspace_id: int, todo: UpsertPlan, now: dt.datetime) -> None:
    table = module_table(module)
    if todo.inserts:
        rows = [{"created_at": now, **values, "workspace_id": workspace_id, "updated_at": now}
                for values in todo.inserts.values()]
        for shape in _shapes(rows):
            conn.execute(insert(table), shape)
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record_id, values in todo.updates.items():
        by_shape.setdefault(tuple(sorted(values)), []).append({"_id": record_id, **{f"v_{c}": v for c, v in values.items()}})
    for columns, params in by_shape.items():
        # Bind names differ from the column names: SQLAlchemy reserves those for itself.
        stmt = update(table).where(table.c.id == bindparam("_id")).values(
            {**{c: bindparam(f"v_{c}") for c in columns}, "updated_at": now})
        conn.execute(stmt, params)


def _shapes(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """executemany needs one set of columns per call."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())
