"""Job-history queries: filters and sorting in SQL, a page at a time, on indexed columns.

The console's table asks for ids first (`run_ids`) and fetches rows for the ids it draws
(`runs_by_id`), so a million runs never leave the database at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, func, select

from app.db import tables
from app.engine.history_text import text_condition
from app.engine.records import RunRecord
from app.engine.row_errors import shown_raw
from app.engine.status import RunStatus

runs = tables.job_runs
SORTABLE = {
    "id": runs.c.id, "type": runs.c.type, "module": runs.c.module, "file_name": runs.c.file_name,
    "status": runs.c.status, "progress": runs.c.processed, "created": runs.c.created, "updated": runs.c.updated,
    "skipped": runs.c.skipped, "failed": runs.c.failed, "errors_count": runs.c.errors_count,
    "started_at": runs.c.started_at, "finished_at": runs.c.finished_at, "queued_at": runs.c.queued_at,
    "duration": runs.c.finished_at - runs.c.started_at, "initiated_by": runs.c.initiated_by,
    "run_date": runs.c.run_date, "workspace_id": runs.c.workspace_id,
}


@dataclass(frozen=True)
class RunFilter:
    types: list[str] = field(default_factory=list)
    statuses: list[RunStatus] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    workspace_ids: list[int] = field(default_factory=list)
    since: dt.datetime | None = None  # queued at or after
    until: dt.datetime | None = None  # queued before
    text: str = ""  # searches file names, parameters, errors and the type (app/engine/history_text.py)

    def where(self, grams: bool = False) -> ColumnElement[bool]:
        """The filter as SQL; `grams`: search a text without a trigram through migration 0009's
        index (PostgreSQL, where the caller has found the index: app/api/history.py)."""
        conds: list[ColumnElement[bool]] = []
        if self.types:
            conds.append(runs.c.type.in_(self.types))
        if self.statuses:
            conds.append(runs.c.status.in_([s.value for s in self.statuses]))
        if self.modules:
            conds.append(runs.c.module.in_(self.modules))
        if self.users:
            conds.append(runs.c.initiated_by.in_(self.users))
        if self.workspace_ids:
            conds.append(runs.c.workspace_id.in_(self.workspace_ids))
        if self.since is not None:
            conds.append(runs.c.queued_at >= self.since)
        if self.until is not None:
            conds.append(runs.c.queued_at < self.until)
        if self.text.strip():
            conds.append(text_condition(self.text.strip(), grams))
        return and_(True, *conds)


def _order(sort: str, descending: bool) -> list[Any]:
    column = SORTABLE.get(sort, runs.c.queued_at)
    primary = column.desc() if descending else column.asc()
    tiebreak = runs.c.id.desc() if descending else runs.c.id.asc()
    return [primary.nulls_last(), tiebreak]


def run_ids(engine: Engine, flt: RunFilter, *, sort: str = "queued_at", descending: bool = True,
            limit: int = 200, offset: int = 0) -> list[int]:
    stmt = select(runs.c.id).where(flt.where()).order_by(*_order(sort, descending)).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(stmt).scalars()]


def count_stmt(flt: RunFilter, grams: bool = False) -> Select[Any]:
    return select(func.count()).select_from(runs).where(flt.where(grams))


def count_runs(engine: Engine, flt: RunFilter) -> int:
    with engine.connect() as conn:
        return int(conn.execute(count_stmt(flt)).scalar_one())


def runs_by_id(engine: Engine, ids: list[int]) -> dict[int, RunRecord]:
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(runs).where(runs.c.id.in_(ids))).all()
    return {int(r.id): RunRecord.from_row(r) for r in rows}


def list_runs(engine: Engine, flt: RunFilter, *, sort: str = "queued_at", descending: bool = True,
              limit: int = 50, offset: int = 0) -> list[RunRecord]:
    ids = run_ids(engine, flt, sort=sort, descending=descending, limit=limit, offset=offset)
    found = runs_by_id(engine, ids)
    return [found[i] for i in ids if i in found]


def changed_since(engine: Engine, since: dt.datetime) -> list[int]:
    """Runs changed after a moment: the console polls this on SQLite."""
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(select(runs.c.id).where(runs.c.updated_at > since)).scalars()]


def distinct_values(engine: Engine, column: str, limit: int = 500) -> list[str]:
    """Choices for a filter box (types, modules, users) from what the history holds."""
    col = runs.c[column]
    with engine.connect() as conn:
        return [v for v in conn.execute(select(col).where(col.is_not(None)).group_by(col).order_by(col).limit(limit)).scalars()]


def log_lines(engine: Engine, run_id: int, after_id: int = 0, limit: int = 5000) -> list[dict[str, Any]]:
    table = tables.job_logs
    stmt = (select(table.c.id, table.c.at, table.c.level, table.c.message)
            .where(table.c.run_id == run_id, table.c.id > after_id).order_by(table.c.id).limit(limit))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def row_errors(engine: Engine, run_id: int, limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
    table = tables.job_row_errors
    stmt = (select(table.c.id, table.c.row_number, table.c.field, table.c.message, table.c.raw)
            .where(table.c.run_id == run_id).order_by(table.c.row_number.nulls_last(), table.c.id)
            .limit(limit).offset(offset))
    with engine.connect() as conn:
        return [{**r._mapping, "raw": shown_raw(r.raw)} for r in conn.execute(stmt)]
