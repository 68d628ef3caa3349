"""The history table's queries: a page of ids with the filter and sort in SQL, the rows for
the ids on screen, counts, and the choices for the filter boxes.

Pages far from the top are read from the other end (the order reversed), so jumping to the
last of a million rows costs what the first page costs: both walk an index from its end.
The sort is direction-only with the id as tie-break in the same direction, so one
`(column, id)` index serves both directions on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Select, func, select

from app.clock import utcnow
from app.db import tables
from app.engine import history
from app.engine.history import RunFilter
from app.engine.history_text import uses_trigram_index
from app.engine.records import RunRecord
from app.engine.registry import job_types
from app.records.modules import MODULES

runs = tables.job_runs
SORT_COLUMNS: dict[str, Any] = {**history.SORTABLE}
NARROW_DAYS = 31  # a date range this short is gathered first, then sorted (PostgreSQL)
GATHER_ROWS = 20_000  # a text matching at most this many runs (estimated) is gathered first, too


@dataclass(frozen=True)
class HistoryQuery:
    filter: RunFilter = field(default_factory=RunFilter)
    sort: str = "queued_at"
    descending: bool = True


@dataclass(frozen=True)
class Page:
    offset: int
    ids: list[int]
    records: dict[int, RunRecord]


def _sort_column(sort: str, dialect: str) -> Any:
    if sort == "duration" and dialect == "sqlite":  # SQLite keeps times as text
        return func.julianday(runs.c.finished_at) - func.julianday(runs.c.started_at)
    return SORT_COLUMNS.get(sort, runs.c.queued_at)


def _order(sort: str, descending: bool, dialect: str) -> list[Any]:
    column = _sort_column(sort, dialect)
    if descending:
        return [column.desc(), runs.c.id.desc()]
    return [column.asc(), runs.c.id.asc()]


def _narrow_range(flt: RunFilter) -> bool:
    """A date range of at most NARROW_DAYS (until defaults to now)."""
    if flt.since is None:
        return False
    until = flt.until or utcnow()  # the filter's times are naive UTC, as every table's
    return until - flt.since <= dt.timedelta(days=NARROW_DAYS)


def _estimated_rows(engine: Engine, flt: RunFilter) -> float:
    """The planner's estimate of the filter's runs (EXPLAIN, no execution: a few ms). Migration
    0008's expression index gives the text search its own statistics, so the estimate is close:
    56 runs estimated 8, 16,849 estimated 16,370, 538,478 estimated 538,609 at 1M runs."""
    compiled = select(runs.c.id).where(flt.where()).compile(engine, compile_kwargs={"render_postcompile": True})
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])


def _gather_first(engine: Engine, query: HistoryQuery) -> bool:
    """Whether the page query gathers the filter's runs first and sorts only them (PostgreSQL):
    under a short date range sorted by another column, and under a text that few runs match.
    Walking a sort index for the first matches is quick when matches are spread through it, but
    a text's matches often follow a sort column (a file name the type, a date the queue time):
    'leads_2026' (16,849 runs) walked 330-1,480 ms for a page under ten of the 30 sorts at 1M
    runs, where the trigram index gathers them in about 100 ms."""
    if engine.dialect.name != "postgresql":
        return False
    flt = query.filter
    if query.sort != "queued_at" and _narrow_range(flt):
        return True
    return uses_trigram_index(flt.text.strip()) and _estimated_rows(engine, flt) <= GATHER_ROWS


def _ids_stmt(query: HistoryQuery, descending: bool, dialect: str, gather: bool = False) -> Select[tuple[Any]]:
    """The page's id query. Gathered (see `_gather_first`): the filter's rows first, in a
    MATERIALIZED CTE the planner cannot turn into a walk of the sort index, then sorted. Walking
    the sort index for the first rows in a month read most of the million runs, because ids and
    start and end times follow the queue time: 450-530 ms a sort at 1M runs (bench/ui.py
    --sort-filters)."""
    flt = query.filter
    if gather:
        key = _sort_column(query.sort, dialect).label("sort_key")
        ranged = select(runs.c.id, key).where(flt.where()).cte("ranged").prefix_with("MATERIALIZED")
        order = (ranged.c.sort_key.desc(), ranged.c.id.desc()) if descending else (ranged.c.sort_key.asc(), ranged.c.id.asc())
        return select(ranged.c.id).order_by(*order)
    return select(runs.c.id).where(flt.where()).order_by(*_order(query.sort, descending, dialect))


def page_ids(engine: Engine, query: HistoryQuery, offset: int, limit: int, total: int | None = None) -> list[int]:
    """Ids of rows offset..offset+limit in the query's order; read from the far end when
    that is shorter (needs the total)."""
    dialect, gather = engine.dialect.name, _gather_first(engine, query)
    if total is not None and offset > total // 2:
        end = min(total, offset + limit)
        back_offset = total - end
        stmt = _ids_stmt(query, not query.descending, dialect, gather).limit(end - offset).offset(back_offset)
        with engine.connect() as conn:
            found = [int(i) for i in conn.execute(stmt).scalars()]
        return list(reversed(found))
    stmt = _ids_stmt(query, query.descending, dialect, gather).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(stmt).scalars()]


def fetch_page(engine: Engine, query: HistoryQuery, offset: int, limit: int, total: int | None = None) -> Page:
    ids = page_ids(engine, query, offset, limit, total)
    return Page(offset, ids, history.runs_by_id(engine, ids))


def fetch_runs(engine: Engine, ids: list[int]) -> dict[int, RunRecord]:
    return history.runs_by_id(engine, ids)


def count(engine: Engine, flt: RunFilter) -> int:
    return history.count_runs(engine, flt)


def type_title(key: str) -> str:
    job = job_types().get(key)
    return job.title if job is not None else key.replace("_", " ").title()


@dataclass(frozen=True)
class FilterChoices:
    types: list[tuple[str, str]]  # (key, title)
    modules: list[tuple[str, str]]
    users: list[str]
    workspaces: list[tuple[int, str]]


def filter_choices(engine: Engine) -> FilterChoices:
    """Job types known to the registry or seen in the history, modules, users and workspaces."""
    seen = set(history.distinct_values(engine, "type"))
    keys = sorted(set(job_types()) | seen, key=type_title)
    modules = sorted(set(MODULES) | set(history.distinct_values(engine, "module")))
    with engine.connect() as conn:
        ws = conn.execute(select(tables.workspaces.c.id, tables.workspaces.c.name).order_by(tables.workspaces.c.name)).all()
    return FilterChoices(
        types=[(k, type_title(k)) for k in keys],
        modules=[(m, m.replace("_", " ").title()) for m in modules],
        users=history.distinct_values(engine, "initiated_by"),
        workspaces=[(int(r.id), str(r.name)) for r in ws],
    )


def day_range(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Inclusive days to the [since, until) datetimes RunFilter takes."""
    since = dt.datetime.combine(start, dt.time()) if start else None
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) if end else None
    return since, until
