"""Walking a table in id order, a batch at a time, so a job can check for cancel between batches.

Each batch is found by keyset (`id > last ORDER BY id LIMIT n`) on the primary key, which is
cheap at any depth and stays correct while earlier batches are updated or deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, Table, and_, func, select

DEFAULT_BATCH = 50_000


@dataclass(frozen=True)
class IdRange:
    low: int  # exclusive
    high: int  # inclusive
    rows: int

    def clause(self, table: Table) -> ColumnElement[bool]:
        return and_(table.c.id > self.low, table.c.id <= self.high)


def next_range(conn: Connection, table: Table, where: ColumnElement[bool], after: int, size: int) -> IdRange | None:
    """The next `size` rows in scope after id `after`, or None when there are none."""
    ids = select(table.c.id).where(and_(where, table.c.id > after)).order_by(table.c.id).limit(size).subquery()
    rows, high = conn.execute(select(func.count(), func.max(ids.c.id))).one()
    if not rows:
        return None
    return IdRange(after, int(high), int(rows))


def id_ranges(engine: Engine, table: Table, where: ColumnElement[bool], size: int = DEFAULT_BATCH) -> Iterator[IdRange]:
    """Consecutive id ranges of at most `size` rows in scope; each found just before it is used."""
    after = 0
    while True:
        with engine.connect() as conn:
            found = next_range(conn, table, where, after, size)
        if found is None:
            return
        yield found
        after = found.high


def count(conn: Connection, table: Table, where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())


def day_end(run_date: dt.date) -> dt.datetime:
    """A run for day D sees everything before the end of D (naive UTC, like every timestamp)."""
    return dt.datetime.combine(run_date + dt.timedelta(days=1), dt.time())


def as_of(run_date: dt.date, now: dt.datetime) -> dt.datetime:
    """The moment a run for `run_date` stands at: the end of that day, or now if that is earlier."""
    return min(now, day_end(run_date))
