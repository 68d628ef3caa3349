"""A text that follows the sort (PostgreSQL): the page is gathered within a prefix of the sort
order that a sample of the table bounds (app/api/history_sample.py). The prefix holds exactly
the runs up to its bound, NULL keys included, and every page is the plain sorted query's page,
whichever way was taken: the walk, the sampled prefix, or every match when the prefix was short."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from app.api import history as api
from app.api import history_matches, history_sample
from app.db import tables
from app.engine import runs
from app.engine.history import RunFilter

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
SORTS = ("id", "file_name", "type", "started_at", "duration", "created")
BASE = dt.datetime(2026, 3, 1)


@pytest.fixture
def history_rows(engine: Engine) -> list[int]:
    """60 runs whose file name holds 'follow' (the later ones: the text follows the id) among 60
    others; file names, start times and durations missing on some, as pending runs have none."""
    ids = []
    for n in range(120):
        name = f"follow-{n}.csv" if n >= 60 else (f"other-{n}.csv" if n % 3 else None)
        ids.append(runs.enqueue(engine, "retention_cleanup" if n % 2 else "rebuild_search_index", {}, file_name=name))
    with engine.begin() as conn:
        for n, run_id in enumerate(ids):
            if n % 4:
                start = BASE + dt.timedelta(minutes=(n * 37) % 101)
                conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id).values(
                    started_at=start, finished_at=start + dt.timedelta(seconds=n % 7), created=n % 5))
    return ids


def _order(engine: Engine, query: api.HistoryQuery) -> list[int]:
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(api._ids_stmt(query, query.descending, "postgresql")).scalars()]


def test_a_prefix_holds_exactly_the_runs_up_to_its_bound(engine: Engine, history_rows: list[int]) -> None:
    for sort in SORTS:
        key = api._sort_column(sort, "postgresql")
        for descending in (False, True):
            order = _order(engine, api.HistoryQuery(RunFilter(), sort, descending))
            assert sorted(order) == sorted(history_rows)
            for at in (0, 1, 29, 30, 59, 60, 90, len(order) - 1):
                with engine.connect() as conn:
                    value = conn.execute(select(key).where(tables.job_runs.c.id == order[at])).scalar()
                    inside = conn.execute(select(tables.job_runs.c.id).where(
                        history_sample.up_to(key, descending, value, order[at]))).scalars().all()
                assert sorted(inside) == sorted(order[:at + 1]), (sort, descending, at, value)


@pytest.mark.parametrize("text", ["follow", "w-"])  # 'w-': no trigram, migration 0009's grams
@pytest.mark.parametrize("way", ["as measured", "prefix", "short prefix"])
def test_every_page_is_the_sorted_querys_page(engine: Engine, history_rows: list[int],
                                              monkeypatch: pytest.MonkeyPatch, way: str, text: str) -> None:
    monkeypatch.setattr(api, "GATHER_ROWS", 0)  # a text this rare would be gathered whole
    monkeypatch.setattr(api, "GRAMS_GATHER_ROWS", 0)
    monkeypatch.setattr(history_matches, "MATCHES_ROWS", 0)  # the sample's ways, not the kept matches
    monkeypatch.setattr(history_sample, "sample_percent", lambda _rows: 100.0)  # every page sampled
    if way != "as measured":  # never walk: gather within the prefix
        monkeypatch.setattr(history_sample, "WALK_MS_PER_RUN", 1e9)
    if way == "short prefix":  # a bound at the first sampled match: too few for most pages
        monkeypatch.setattr(history_sample, "MIN_RANK", 1)
        monkeypatch.setattr(history_sample, "MARGIN", 0.01)
    prefixed: list[Any] = []
    ids_stmt = api._ids_stmt

    def spy(query, descending, dialect, gather=False, prefix=None, grams=False):  # type: ignore[no-untyped-def]
        if prefix is not None:
            prefixed.append(prefix)
        return ids_stmt(query, descending, dialect, gather, prefix, grams)

    monkeypatch.setattr(api, "_ids_stmt", spy)
    flt = RunFilter(text=text)
    assert api._page_plan(engine, api.HistoryQuery(flt)) == api.TRY_WALK
    assert api.uses_grams(engine, flt) == (text == "w-")
    for sort in SORTS:
        for descending in (False, True):
            query = api.HistoryQuery(flt, sort, descending)
            order = _order(engine, query)
            assert len(order) == 60
            for offset, limit, total in ((0, 10, None), (10, 10, None), (25, 10, 60), (50, 20, None)):
                assert api.page_ids(engine, query, offset, limit, total) == order[offset:offset + limit], \
                    (sort, descending, offset)
    assert prefixed or way == "as measured", "the prefix was never tried"
