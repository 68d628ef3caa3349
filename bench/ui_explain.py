"""Console bench, the database's side: the plans and times of the page queries (--explain,
--page-times), for finding why a sort or filter is slow. Used by bench/ui.py."""

from __future__ import annotations

import sys
import time

from sqlalchemy import Engine

from app.api import history as api
from app.engine import history
from app.engine.history import RunFilter
from ui.history_model import COLUMNS

SHOW_PAGE_TIMES = False
PAGE_TIMES: list[tuple[str, float, float]] = []  # (kind, ms, start) of each page query on the page thread


def slow_plan(engine: Engine, query: api.HistoryQuery, offset: int, limit: int, total: int | None = None) -> str:
    """The plan of a page's id query as psycopg sends it (parameters bound on the server), run
    on a connection of the pool, with whether that connection has prepared statements."""
    from sqlalchemy import select

    stmt = (select(api.runs.c.id).where(query.filter.where())
            .order_by(*api._order(query.sort, query.descending, "postgresql")).limit(limit).offset(offset))
    compiled = stmt.compile(engine, compile_kwargs={"render_postcompile": True})
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + str(compiled), compiled.params)
        plan = " | ".join(str(r[0]).strip() for r in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        prepared = cursor.fetchone()[0]  # type: ignore[index]
    return f"[{prepared} prepared on that connection] {plan}"


def time_page_queries() -> None:
    """--page-times: the page thread's two queries (ids, then rows) timed apart."""
    page_ids, runs_by_id = api.page_ids, history.runs_by_id

    def timed_ids(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return page_ids(*args, **kwargs)
        finally:
            ms = (time.perf_counter() - start) * 1000
            PAGE_TIMES.append(("ids", ms, start))
            if ms > 50:  # slow: is it the query (again, and its plan) or the moment?
                again = time.perf_counter()
                page_ids(*args, **kwargs)
                PAGE_TIMES.append(("ids again", (time.perf_counter() - again) * 1000, again))
                print("      slow ids query; explained now:", slow_plan(*args))

    def timed_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return runs_by_id(*args, **kwargs)
        finally:
            PAGE_TIMES.append(("rows", (time.perf_counter() - start) * 1000, start))

    count = api.count

    def timed_count(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return count(*args, **kwargs)
        finally:
            from PySide6.QtCore import QThread

            name = f"{QThread.currentThread().objectName()} from {sys._getframe(1).f_code.co_name}"
            PAGE_TIMES.append((f"count[{name}]", (time.perf_counter() - start) * 1000, start))

    api.page_ids = timed_ids  # type: ignore[assignment]
    history.runs_by_id = timed_rows  # type: ignore[assignment]
    api.count = timed_count  # type: ignore[assignment]


def explain_after_stall(engine: Engine) -> None:
    """--page-times: the slow sorts' id queries as the page thread sends them, explained."""
    from sqlalchemy import select, text

    for sort, descending in (("skipped", True), ("failed", True), ("duration", False), ("duration", True),
                             ("created", True), ("id", True)):
        stmt = (select(api.runs.c.id).where(RunFilter().where())
                .order_by(*api._order(sort, descending, "postgresql")).limit(100).offset(0))
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)).scalars().all()
        print(f"  {sort} {'desc' if descending else 'asc'}: " + " | ".join(p.strip() for p in plan))
        query = api.HistoryQuery(RunFilter(), sort, descending)
        alone = []
        for _ in range(3):
            start = time.perf_counter()
            api.page_ids(engine, query, 0, 100, None)
            alone.append((time.perf_counter() - start) * 1000)
        print(f"     page_ids from the bench's main thread, GUI idle: {', '.join(f'{ms:.1f}' for ms in alone)} ms")


def explain_sorts(engine: Engine) -> None:
    from sqlalchemy import select, text

    for column in COLUMNS:
        for descending in (False, True):
            order = api._order(column.sort, descending, "postgresql")
            stmt = select(api.runs.c.id).order_by(*order).limit(100)
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            with engine.connect() as conn:
                plan = conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql)).scalars().all()
            print(f"{column.sort:>14} {'desc' if descending else 'asc ':4}  {plan[-1]:<28} {plan[1].strip()[:70]}")
