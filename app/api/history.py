"""The history table's queries: a page of ids with the filter and sort in SQL, the rows for
the ids on screen, counts, and the choices for the filter boxes.

Pages far from the top are read from the other end (the order reversed), so jumping to the
last of a million rows costs what the first page costs: both walk an index from its end.
The sort is direction-only with the id as tie-break in the same direction, so one
`(column, id)` index serves both directions on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, func, select
from sqlalchemy import text as text_sql
from sqlalchemy.exc import OperationalError

from app.api import history_matches, history_sample
from app.api.cancel import Cancellable
from app.api.history_sample import Located
from app.clock import utcnow
from app.db import tables
from app.engine import history
from app.engine.history import RunFilter
from app.engine.history_text import grams_condition, short_grams, uses_trigram_index
from app.engine.records import RunRecord
from app.engine.registry import job_types
from app.records.modules import MODULES

runs = tables.job_runs
SORT_COLUMNS: dict[str, Any] = {**history.SORTABLE}
NARROW_DAYS = 31  # a date range this short is gathered first, then sorted (PostgreSQL)
# A text search on PostgreSQL (see _page_plan), by the planner's estimate of its runs:
GATHER_ROWS = 2_000  # at most this many: gathered first (the trigram index), then sorted
# the same for a text without a trigram (migration 0009's grams): a text rarer than every element
# the statistics track is estimated at half the rarest one's frequency (2,650 of 1M runs), and
# gathering 7,480 matches took 16-20 ms at 1M runs against 19-41 ms to sample first
GRAMS_GATHER_ROWS = 8_000
TRY_WALK_ROWS = 200_000  # at most this many: a sample says walk (for WALK_BUDGET_MS at most) or gather a prefix
WALK_BUDGET_MS = 40
WALK, GATHER, TRY_WALK = "walk", "gather", "try-walk"
TRIGRAM_INDEX = "ix_job_runs_search_trgm"  # migration 0008
GRAMS_INDEX = "ix_job_runs_search_grams"  # migration 0009: texts without a trigram
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by its timeout


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


_ESTIMATES: dict[tuple[int, str, str, bool], float] = {}  # (engine, database, filter, grams) → the estimate
ESTIMATES_KEPT = 64


def _estimated_rows(engine: Engine, flt: RunFilter, grams: bool = False) -> float:
    """The planner's estimate of the filter's runs (EXPLAIN, no execution: a few ms). Migration
    0008's expression index gives the text search its own statistics, so the estimate is close:
    56 runs estimated 8, 16,849 estimated 16,370, 538,478 estimated 538,609 at 1M runs; 0009's
    does for texts without a trigram (`grams`). Asked once per filter, not for every page
    scrolled to or every sort of it."""
    key = (id(engine), str(engine.url), repr(flt), grams)
    rows = _ESTIMATES.get(key)  # the pages and the counts threads both ask: one lookup, no check-then-read
    if rows is None:
        # the grams alone: the same runs for one or two characters, and the planner's estimate of
        # them from their element statistics (it would multiply in a guess for the LIKEs beside)
        text = grams_condition(flt.text.strip()) if grams else None
        where = flt.where() if text is None else and_(replace(flt, text="").where(), text)
        stmt = select(runs.c.id).where(where)
        compiled = stmt.compile(engine, compile_kwargs={"render_postcompile": True})
        with engine.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar_one()
        if len(_ESTIMATES) >= ESTIMATES_KEPT:
            _ESTIMATES.clear()
        rows = _ESTIMATES[key] = float(plan[0]["Plan"]["Plan Rows"])
    return rows


def estimate(engine: Engine, flt: RunFilter) -> int | None:
    """The planner's estimate of the filter's runs, for showing "about N" while the exact count
    runs (half a second for a text half the runs match at 1M runs: each match is rechecked).
    None where the engine has no estimate to give (SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    text = flt.text.strip()
    if not text:
        return int(round(_estimated_rows(engine, flt)))
    if uses_trigram_index(text) and _has_statistics(engine, TRIGRAM_INDEX):
        return int(round(_estimated_rows(engine, flt)))
    if short_grams(text) is not None and _has_statistics(engine, GRAMS_INDEX):
        # a rare one is guessed, not known: a pair the statistics do not track is estimated at
        # half the rarest tracked one (2,650 of 1M runs for 'zq', which none hold); its exact
        # count comes in a few ms from the index, so nothing is shown before it
        rows = _estimated_rows(engine, flt, grams=True)
        return int(round(rows)) if rows > GRAMS_GATHER_ROWS else None
    # without the expression's statistics the planner guesses: 'zq' (no trigram, four LIKEs)
    # was estimated at 590,432 runs and matches none
    return None


_STATISTICS: set[tuple[int, str, str]] = set()  # (engine, database, index) whose expression the planner knows
_INDEXES: set[tuple[int, str, str]] = set()  # (engine, database, index) found in the database


def _has_statistics(engine: Engine, index: str) -> bool:
    """Whether the planner has statistics for an index's expression (migrations 0008 and 0009,
    analysed); without pg_trgm there is no index and no statistics, and an index analysed while
    the table was empty has none until the next (auto) ANALYZE. Kept once they are there."""
    key = (id(engine), str(engine.url), index)
    if key not in _STATISTICS:
        with engine.connect() as conn:
            if conn.execute(text_sql("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE tablename = :index)"),
                            {"index": index}).scalar():
                _STATISTICS.add(key)
    return key in _STATISTICS


def _has_index(engine: Engine, index: str) -> bool:
    """Whether the database has the index (a migration may have been unable to make it: no
    pg_trgm, no right to create the grams function). Kept once it is there; looked for again
    while it is not (one catalog read)."""
    key = (id(engine), str(engine.url), index)
    if key not in _INDEXES:
        with engine.connect() as conn:
            if conn.execute(text_sql("SELECT to_regclass(:index) IS NOT NULL"), {"index": index}).scalar():
                _INDEXES.add(key)
    return key in _INDEXES


def uses_grams(engine: Engine, flt: RunFilter) -> bool:
    """Whether the filter's text is searched through migration 0009's index: a text without a
    trigram, on PostgreSQL with the index, that at most TRY_WALK_ROWS runs are estimated to hold.
    A commoner text ('e', 'up') keeps the plain search: its first page comes early in any sort
    index, and its count would compute the grams of every match (15 us each) to no purpose."""
    if engine.dialect.name != "postgresql" or short_grams(flt.text.strip()) is None:
        return False
    return _has_index(engine, GRAMS_INDEX) and _estimated_rows(engine, flt, grams=True) <= TRY_WALK_ROWS


def _page_plan(engine: Engine, query: HistoryQuery) -> str:
    """How the page query finds its rows on PostgreSQL: WALK the sort index (the planner's own
    choice), GATHER the filter's rows first and sort only them, or TRY_WALK: a sample of the
    table says whether to walk (within a time budget) or to gather within a prefix of the sort
    order (app/api/history_sample.py). Gathered: a short date range sorted by another column
    (ids, start and end times follow the queue time), and a text few runs match. Between few
    and many, walking is quick when the matches are spread through the sort index and slow when
    they follow it (a file name follows the type, a date in it the queue time): 'leads_2026'
    (16,849 of 1M runs) walked in 4 ms newest first but 330-1,480 ms under ten of the 30 sorts,
    and gathering all of it takes about 95 ms (a heap page for each match)."""
    if engine.dialect.name != "postgresql":
        return WALK
    flt = query.filter
    if query.sort != "queued_at" and _narrow_range(flt):
        return GATHER
    rows = _text_rows(engine, flt)
    if rows is None:
        return WALK
    return GATHER if rows[0] <= rows[1] else TRY_WALK if rows[0] <= TRY_WALK_ROWS else WALK


def _text_rows(engine: Engine, flt: RunFilter) -> tuple[float, int] | None:
    """A text search's estimated runs and how many are gathered at most; None: no index serves it."""
    if uses_trigram_index(flt.text.strip()):
        return _estimated_rows(engine, flt), GATHER_ROWS
    if uses_grams(engine, flt):
        return _estimated_rows(engine, flt, grams=True), GRAMS_GATHER_ROWS
    return None


def keeps_matches(engine: Engine, flt: RunFilter) -> bool:
    """Whether the filter's matches are kept with their sort keys (app/api/history_matches.py):
    PostgreSQL, a text with more runs than are gathered for every page and at most MATCHES_ROWS."""
    if engine.dialect.name != "postgresql":
        return False
    rows = _text_rows(engine, flt)
    return rows is not None and rows[1] < rows[0] <= history_matches.MATCHES_ROWS


def _ids_stmt(query: HistoryQuery, descending: bool, dialect: str, gather: bool = False,
              prefix: ColumnElement[bool] | None = None, grams: bool = False) -> Select[tuple[Any]]:
    """The page's id query. Gathered (see `_page_plan`): the filter's rows first, in a
    MATERIALIZED CTE the planner cannot turn into a walk of the sort index, then sorted. Walking
    the sort index for the first rows in a month read most of the million runs, because ids and
    start and end times follow the queue time: 450-530 ms a sort at 1M runs (bench/ui.py
    --sort-filters). A prefix (app/api/history_sample.py) limits the gather to the runs ordered
    before a bound, so the trigram index and the sort index's range meet before any row is read."""
    flt = query.filter
    if gather:
        key = _sort_column(query.sort, dialect).label("sort_key")
        where = flt.where(grams) if prefix is None else and_(flt.where(grams), prefix)
        ranged = select(runs.c.id, key).where(where).cte("ranged").prefix_with("MATERIALIZED")
        order = (ranged.c.sort_key.desc(), ranged.c.id.desc()) if descending else (ranged.c.sort_key.asc(), ranged.c.id.asc())
        return select(ranged.c.id).order_by(*order)
    return select(runs.c.id).where(flt.where(grams)).order_by(*_order(query.sort, descending, dialect))


Build = Callable[[bool, "ColumnElement[bool] | None"], "Select[Any]"]
Locate = Callable[[Connection], Located]


def page_ids(engine: Engine, query: HistoryQuery, offset: int, limit: int, total: int | None = None,
             cancel: Cancellable | None = None) -> list[int]:
    """Ids of rows offset..offset+limit in the query's order; read from the far end when
    that is shorter (needs the total). `cancel` stops it from another thread."""
    dialect, plan, grams = engine.dialect.name, _page_plan(engine, query), uses_grams(engine, query.filter)
    keep = plan == TRY_WALK and keeps_matches(engine, query.filter)
    if keep:
        matches = _kept(engine, query.filter, grams, cancel)
        if matches is not None:
            return matches.ids(query.sort, query.descending, offset, limit)
    descending, backwards = query.descending, False
    if total is not None and offset > total // 2:
        end = min(total, offset + limit)
        offset, limit, descending, backwards = total - end, end - offset, not descending, True

    def build(gather: bool, prefix: ColumnElement[bool] | None = None) -> Select[tuple[Any]]:
        # a walk keeps the plain search: offered the grams index, the planner gathers with it instead
        return _ids_stmt(query, descending, dialect, gather, prefix, grams and gather).limit(limit).offset(offset)

    def locate(conn: Connection) -> Located:
        return history_sample.locate(conn, query.filter.where(grams), _sort_column(query.sort, dialect), descending,
                                     offset + limit, _estimated_rows(engine, query.filter, grams))

    def gather_all(conn: Connection) -> list[int]:  # the sample found no short way: keep what is read
        matches = history_matches.gather(conn, query.filter.where(grams))
        history_matches.KEPT.put(history_matches.filter_key(engine, query.filter), matches)
        return matches.ids(query.sort, descending, offset, limit)

    found = _run_ids(engine, build, plan, locate, limit, cancel, gather_all if keep else None)
    return found[::-1] if backwards else found


def _kept(engine: Engine, flt: RunFilter, grams: bool, cancel: Cancellable | None) -> history_matches.Matches | None:
    """The filter's kept matches, brought up to date; None when none are kept."""
    key = history_matches.filter_key(engine, flt)
    matches = history_matches.KEPT.get(key)
    if matches is None:
        return None
    with (cancel or Cancellable()).connect(engine) as conn:
        fresh = history_matches.refresh(conn, matches, flt.where(grams))
    if fresh is not matches:
        history_matches.KEPT.put(key, fresh)
    return fresh


def _run_ids(engine: Engine, build: Build, plan: str, locate: Locate | None = None, limit: int = 0,
             cancel: Cancellable | None = None, gather_all: Callable[[Connection], list[int]] | None = None) -> list[int]:
    """Run build(gather, prefix)'s id query as the plan says. TRY_WALK first samples the table
    (app/api/history_sample.py): when the page's matches come early in the sort it walks the sort
    index, under a statement timeout in a savepoint; otherwise, or when PostgreSQL cancels the
    walk, it gathers within the sampled prefix, and when that prefix holds fewer than `limit`
    rows (or the sample bounded none) it gathers every match. A cancel (`cancel`) ends it between
    statements too: the walk's timeout and a cancel look alike to PostgreSQL."""
    cancel = cancel or Cancellable()
    with cancel.connect(engine) as conn:
        if plan == TRY_WALK:
            located = locate(conn) if locate is not None else Located(walk=True, prefix=None)
            if located.walk:
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(WALK_BUDGET_MS)}")
                try:
                    with conn.begin_nested():
                        return [int(i) for i in conn.execute(build(False, None)).scalars()]
                except OperationalError as exc:
                    if getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED or cancel.cancelled:
                        raise
                conn.exec_driver_sql("SET LOCAL statement_timeout TO DEFAULT")
            cancel.check()
            if located.prefix is not None:
                found = [int(i) for i in conn.execute(build(True, located.prefix)).scalars()]
                if len(found) >= limit:
                    return found
            cancel.check()
            if gather_all is not None:
                return gather_all(conn)
        return [int(i) for i in conn.execute(build(plan != WALK, None)).scalars()]


def fetch_page(engine: Engine, query: HistoryQuery, offset: int, limit: int, total: int | None = None,
               cancel: Cancellable | None = None) -> Page:
    ids = page_ids(engine, query, offset, limit, total, cancel)
    records = history.runs_by_id(engine, ids)
    if len(records) < len(ids):  # runs deleted since their ids were read (or kept): read again
        history_matches.KEPT.forget(lambda key: key[0] == id(engine))
        ids = page_ids(engine, query, offset, limit, total, cancel)
        records = history.runs_by_id(engine, ids)
    return Page(offset, ids, records)


def fetch_runs(engine: Engine, ids: list[int]) -> dict[int, RunRecord]:
    return history.runs_by_id(engine, ids)


def count(engine: Engine, flt: RunFilter, cancel: Cancellable | None = None) -> int:
    """The filter's runs; `cancel` stops the count from another thread (a new filter's)."""
    grams = uses_grams(engine, flt)
    with (cancel or Cancellable()).connect(engine) as conn:
        if keeps_matches(engine, flt):  # the count reads every match anyway: keep their sort keys
            matches = history_matches.gather(conn, flt.where(grams))
            history_matches.KEPT.put(history_matches.filter_key(engine, flt), matches)
            return len(matches.keys)
        return int(conn.execute(history.count_stmt(flt, grams)).scalar_one())


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
