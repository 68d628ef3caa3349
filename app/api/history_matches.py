"""A text filter's matches with every sort key, kept in memory, so that sorting them again
costs a sort in memory instead of a read of every match (PostgreSQL).

Why: a text that a few percent of the runs match ('leads_2026': 16,849 of 1M) under a sort that
puts most runs before its first match (Type descending; File Name descending, where the NULL file
names of every other job come first) has to gather every match: a heap page each, 110 ms at 1M
runs with PostgreSQL's default shared_buffers, however the query is written. Counting that
filter reads the very same pages, so its count gathers the sort keys on the way (the count is
their number), and every later sort of that filter is a sort of ~17,000 tuples in memory.

Kept fresh without trusting the change feed (it is not told of deletions, and a feed that
reconnects misses changes): each use re-reads the runs whose `updated_at` (every writer sets it,
by its own clock) is past the server's time at the last read, less MARGIN for writers' clocks and
for a change stamped before it committed, through `ix_job_runs_updated`, and merges them: in or
out of the filter, new keys. A writer whose clock is more than MARGIN behind the server's could
go unseen until the filter is counted again.
A deleted run is noticed when its row is missing from the page (app/api/history.py `fetch_page`),
and the filter's matches are forgotten.

Text keys are ordered as the server orders them: Python's comparison of strings is the order of
the collations C, POSIX and C.* (code points); under any other (en_US, ICU) a column's values are
ranked by one ORDER BY of the values alone in its collation, again when a new value arrives. NULL sorts after every value ascending and first descending, and the run id breaks ties
in the sort's direction, as in the page query (`_order`), so descending is ascending reversed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Select, String, func, select, text

from app.db import tables
from app.engine.history import SORTABLE, RunFilter

runs = tables.job_runs
KEYS = [name for name in SORTABLE if name != "id"]  # the sort keys kept, in this order
TEXT_KEYS = frozenset(name for name in KEYS if isinstance(SORTABLE[name].type, String))
MATCHES_ROWS = 50_000  # at most this many matches are kept: ~0.85 KB each with two sorts made
MARGIN = dt.timedelta(minutes=5)
FETCH_ROWS = 1_000
KEPT_FILTERS = 2  # the filter shown and the one before: 14 MB for 16,849 matches
NULL_RANK = (1, 0)  # after every (0, value)

Key = tuple[int, str, str]  # (engine, database, filter)


@dataclass
class Matches:
    """One filter's matching runs: id -> its sort keys (KEYS' order), the text keys' ranks in the
    server's order, and the server's time (UTC) before they were read."""

    keys: dict[int, tuple[Any, ...]]
    ranks: dict[str, dict[str, int]]  # text key -> value -> rank, for keys whose collation is not code points
    collations: dict[str, str]  # those keys' collations
    as_of: dt.datetime
    _orders: dict[str, list[int]] = field(default_factory=dict)  # sort -> ids ascending

    def ids(self, sort: str, descending: bool, offset: int, limit: int) -> list[int]:
        """Ids offset..offset+limit in the page query's order for `sort`."""
        order = self._orders.get(sort)
        if order is None:
            order = self._orders[sort] = self._sorted(sort)
        if descending:
            end = len(order) - offset
            return order[max(0, end - limit):max(0, end)][::-1]
        return order[offset:offset + limit]

    def _sorted(self, sort: str) -> list[int]:
        if sort not in SORTABLE or sort == "id":
            return sorted(self.keys) if sort == "id" else self._sorted("queued_at")
        index, ranks = KEYS.index(sort), self.ranks.get(sort)

        def key(item: tuple[int, tuple[Any, ...]]) -> tuple[Any, ...]:
            value = item[1][index]
            if value is None:
                return (*NULL_RANK, item[0])
            return (0, ranks[value] if ranks is not None else value, item[0])

        return [run_id for run_id, _ in sorted(self.keys.items(), key=key)]


def _key_columns() -> list[Any]:
    return [SORTABLE[name].label(name) for name in KEYS]


COLLATIONS = text(
    "SELECT a.attname, c.collname, c.collprovider, coalesce(c.collcollate, d.datcollate), "
    "       to_jsonb(d) ->> 'datlocprovider' FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
    "JOIN pg_database d ON d.datname = current_database() "
    "WHERE a.attrelid = CAST('job_runs' AS regclass) AND a.attname = ANY(CAST(:names AS text[]))")


def _ranked_collations(conn: Connection) -> dict[str, str]:
    """The text keys whose collation does not order by code points, as Python compares strings
    (C, POSIX and C.* of libc do), with that collation's name: only these need ranks (ranking
    17,000 file names took 75 ms)."""
    ranked = {}
    for name, collation, provider, collate, db_provider in conn.execute(COLLATIONS, {"names": sorted(TEXT_KEYS)}):
        if collation == "default":
            provider = db_provider or "c"  # before PostgreSQL 15 every database's collation is libc's
        if not (provider == "c" and (collate in ("C", "POSIX") or str(collate).startswith("C."))):
            ranked[name] = collation
    return ranked


def _ranks(conn: Connection, keys: dict[int, tuple[Any, ...]], collations: dict[str, str]) -> dict[str, dict[str, int]]:
    """Each ranked text key's distinct values in the order of the column's own collation: one
    ORDER BY of the values alone, no run read."""
    ranks = {}
    for name, collation in collations.items():
        index = KEYS.index(name)
        values = sorted({row[index] for row in keys.values() if row[index] is not None})
        quoted = '"' + collation.replace('"', '""') + '"'
        ordered = conn.execute(text(f"SELECT v FROM unnest(CAST(:values AS text[])) AS t(v) ORDER BY v COLLATE {quoted}"),
                               {"values": values}).scalars()
        ranks[name] = {value: position for position, value in enumerate(ordered)}
    return ranks


def _rows(conn: Connection, stmt: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The statement's rows as plain tuples from the driver's cursor: SQLAlchemy's rows cost 35 ms
    more for 17,000 runs of 19 values (160 against 125 ms, the server's part 100 ms). Converted
    FETCH_ROWS at a time: the driver's C code holds the interpreter lock while it converts, and
    all 17,000 at once would hold the GUI thread up for as long."""
    compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), compiled.params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield from rows
    finally:
        cursor.close()


def _server_time(conn: Connection) -> dt.datetime:
    """The server's clock in UTC without a zone, as `updated_at` is kept."""
    return conn.execute(select(func.timezone("UTC", func.clock_timestamp()))).scalar_one()  # type: ignore[no-any-return]


def gather(conn: Connection, where: Any) -> Matches:
    """Every run matching `where` with its sort keys: the filter's one read of all its matches."""
    as_of = _server_time(conn)
    keys = {int(row[0]): tuple(row[1:]) for row in _rows(conn, select(runs.c.id, *_key_columns()).where(where))}
    collations = _ranked_collations(conn)
    return Matches(keys, _ranks(conn, keys, collations), collations, as_of)


def refresh(conn: Connection, matches: Matches, where: Any) -> Matches:
    """`matches` with the runs changed since (less MARGIN) merged in: a few rows, by the
    updated_at index. A new text value has every text key ranked again."""
    as_of, since = _server_time(conn), matches.as_of - MARGIN
    stmt = select(runs.c.id, where.label("hit"), *_key_columns()).where(runs.c.updated_at > since)
    keys = dict(matches.keys)
    changed = unranked = False
    text_columns = [(KEYS.index(name), ranked) for name, ranked in matches.ranks.items()]
    for row in conn.execute(stmt):
        run_id, hit, values = int(row[0]), bool(row[1]), tuple(row[2:])
        if hit and keys.get(run_id) != values:
            keys[run_id], changed = values, True
            unranked = unranked or any(values[i] is not None and values[i] not in ranked for i, ranked in text_columns)
        elif not hit and run_id in keys:
            del keys[run_id]
            changed = True
    if not changed:
        matches.as_of = as_of
        return matches
    ranks = _ranks(conn, keys, matches.collations) if unranked else matches.ranks
    return Matches(keys, ranks, matches.collations, as_of)


class KeptMatches:
    """The last few filters' matches, shared by the page and count threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[Key, Matches] = {}

    def get(self, key: Key) -> Matches | None:
        with self._lock:
            return self._kept.get(key)

    def put(self, key: Key, matches: Matches) -> None:
        with self._lock:
            self._kept.pop(key, None)
            if len(self._kept) >= KEPT_FILTERS:
                del self._kept[next(iter(self._kept))]  # the oldest
            self._kept[key] = matches

    def forget(self, owner: Callable[[Key], bool]) -> None:
        with self._lock:
            for key in [k for k in self._kept if owner(k)]:
                del self._kept[key]


KEPT = KeptMatches()


def filter_key(engine: Engine, flt: RunFilter) -> Key:
    return (id(engine), str(engine.url), repr(flt))
