"""The history's page query under a short date range (gathered first, then sorted, on
PostgreSQL) gives the same rows in the same order as the plain sorted query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from app.api import history as api
from app.db import tables
from app.engine import runs
from app.engine.history import RunFilter


def test_a_short_date_range_sorts_like_any_other_filter(engine):
    ids = [runs.enqueue(engine, "retention_cleanup", {}) for _ in range(12)]
    base = dt.datetime(2026, 10, 1)
    with engine.begin() as conn:
        for n, run_id in enumerate(ids):  # queued a day apart; started in the other order
            conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id).values(
                queued_at=base + dt.timedelta(days=n), started_at=base + dt.timedelta(days=40 - n)))
    flt = RunFilter(since=base + dt.timedelta(days=2), until=base + dt.timedelta(days=9))
    assert api._narrow_range(flt)
    inside = ids[2:9]
    for sort, descending, expected in (("started_at", False, inside[::-1]), ("started_at", True, inside),
                                       ("id", True, inside[::-1]), ("queued_at", False, inside)):
        query = api.HistoryQuery(flt, sort, descending)
        assert api.page_ids(engine, query, 0, 100) == expected, (sort, descending)
        assert api.page_ids(engine, query, 3, 2) == expected[3:5]
        assert api.page_ids(engine, query, 5, 2, total=len(inside)) == expected[5:7]  # read from the far end
    query = api.HistoryQuery(flt, "started_at")
    stmt = api._ids_stmt(query, True, engine.dialect.name, api._page_plan(engine, query) == api.GATHER)
    assert ("MATERIALIZED" in str(stmt.compile(engine))) == (engine.dialect.name == "postgresql")
    wide = RunFilter(since=base - dt.timedelta(days=60))
    assert not api._narrow_range(wide)
