"""A text filter's matches kept with their sort keys (PostgreSQL, app/api/history_matches.py):
every sort of them, both directions, is the page query's order, under the database's collation
and under a column collation that does not order by code points; changes since (a new matching
run, one that no longer matches, new counters and a status not seen before, a deleted run) are
in the next page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, delete, text, update

from app.api import history as api
from app.api import history_matches
from app.clock import utcnow
from app.db import tables
from app.engine import runs
from app.engine.history import SORTABLE, RunFilter

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
BASE = dt.datetime(2026, 3, 1)
NAMES = ("Zeta-keep.csv", "alpha_keep.csv", "Alpha-keep.csv", "é-keep.csv", "a b keep.csv", "_keep.csv", "beta keep.CSV")
USERS = ("maria.keller", "Tom.Baker", "_ops", None)
job_runs = tables.job_runs


@pytest.fixture
def kept_rows(engine: Engine) -> list[int]:
    """40 runs whose file name holds 'keep' among 20 others: names and users in mixed case, with
    punctuation and accents; some without start or end, as pending runs have none."""
    ids = []
    for n in range(60):
        name = NAMES[n % len(NAMES)] if n < 40 else (f"other-{n}.csv" if n % 3 else None)
        ids.append(runs.enqueue(engine, ("retention_cleanup", "rebuild_search_index")[n % 2], {},
                                file_name=name, initiated_by=USERS[n % len(USERS)]))
    with engine.begin() as conn:
        for n, run_id in enumerate(ids):
            if n % 4:
                start = BASE + dt.timedelta(minutes=(n * 37) % 101)
                conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(
                    status=("completed", "failed", "warning")[n % 3], started_at=start,
                    finished_at=start + dt.timedelta(seconds=n % 7), created=n % 5, processed=(n * 13) % 9))
    return ids


def _order(engine: Engine, query: api.HistoryQuery) -> list[int]:
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(api._ids_stmt(query, query.descending, "postgresql")).scalars()]


def _gathered(engine: Engine, flt: RunFilter) -> history_matches.Matches:
    with engine.connect() as conn:
        return history_matches.gather(conn, flt.where())


def _assert_sorted_as_the_server(engine: Engine, matches: history_matches.Matches, flt: RunFilter) -> None:
    for sort in SORTABLE:
        for descending in (False, True):
            order = _order(engine, api.HistoryQuery(flt, sort, descending))
            assert matches.ids(sort, descending, 0, len(order) + 5) == order, (sort, descending)
            assert matches.ids(sort, descending, 7, 10) == order[7:17], (sort, descending)


def test_every_sort_is_the_page_querys_order(engine: Engine, kept_rows: list[int]) -> None:
    flt = RunFilter(text="keep")
    matches = _gathered(engine, flt)
    assert len(matches.keys) == 40 and matches.ranks == {}  # the test server's collation is C.UTF-8
    _assert_sorted_as_the_server(engine, matches, flt)


def test_a_collation_that_is_not_code_points_is_ranked_by_the_server(engine: Engine, kept_rows: list[int]) -> None:
    with engine.begin() as conn:
        for column in ("file_name", "initiated_by"):
            kind = "varchar(1024)" if column == "file_name" else "varchar(255)"
            conn.execute(text(f'ALTER TABLE job_runs ALTER COLUMN {column} TYPE {kind} COLLATE "en-US-x-icu"'))
    flt = RunFilter(text="keep")
    matches = _gathered(engine, flt)
    assert set(matches.ranks) == {"file_name", "initiated_by"}
    by_code_points = sorted(matches.keys, key=lambda i: (matches.keys[i][history_matches.KEYS.index("file_name")], i))
    assert by_code_points != _order(engine, api.HistoryQuery(flt, "file_name", False))  # the test can tell
    _assert_sorted_as_the_server(engine, matches, flt)


def test_changes_since_are_merged(engine: Engine, kept_rows: list[int]) -> None:
    flt = RunFilter(text="keep")
    matches = _gathered(engine, flt)
    added = runs.enqueue(engine, "retention_cleanup", {}, file_name="new keep.csv", initiated_by="li.wang")
    with engine.begin() as conn:
        conn.execute(update(job_runs).where(job_runs.c.id == kept_rows[5]).values(
            status="running", processed=999, updated_at=utcnow()))  # a status none of the matches had
        conn.execute(update(job_runs).where(job_runs.c.id == kept_rows[6]).values(
            file_name="renamed.csv", updated_at=utcnow()))
    with engine.connect() as conn:
        fresh = history_matches.refresh(conn, matches, flt.where())
    assert added in fresh.keys and kept_rows[6] not in fresh.keys and len(fresh.keys) == 40
    _assert_sorted_as_the_server(engine, fresh, flt)
    with engine.connect() as conn:
        assert history_matches.refresh(conn, fresh, flt.where()) is fresh  # nothing new: kept as it is


def test_the_console_sorts_a_kept_filter_from_memory(engine: Engine, kept_rows: list[int],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "GATHER_ROWS", 0)  # 'keep' counts as a text between few and many
    flt = RunFilter(text="keep")
    assert api.keeps_matches(engine, flt)
    assert api.count(engine, flt) == 40
    assert history_matches.KEPT.get(history_matches.filter_key(engine, flt)) is not None
    statements: list[str] = []
    run_ids = api._run_ids
    monkeypatch.setattr(api, "_run_ids", lambda *a, **k: statements.append("page query") or [])
    for sort in ("file_name", "type", "duration"):
        for descending in (False, True):
            query = api.HistoryQuery(flt, sort, descending)
            assert api.page_ids(engine, query, 0, 10) == _order(engine, query)[:10]
    assert statements == []  # every page came from the kept matches

    first = api.page_ids(engine, api.HistoryQuery(flt, "file_name", True), 0, 10)
    with engine.begin() as conn:
        conn.execute(delete(job_runs).where(job_runs.c.id == first[2]))
    monkeypatch.setattr(api, "_run_ids", run_ids)
    query = api.HistoryQuery(flt, "file_name", True)
    page = api.fetch_page(engine, query, 0, 10)
    assert first[2] not in page.ids and page.ids == _order(engine, query)[:10]
    assert set(page.records) == set(page.ids)
