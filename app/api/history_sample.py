"""Where in a sort order a text's first matches lie, learnt from a sample of the table.

A text that a few percent of the runs match can follow the sort: 'leads_2026' (16,849 of 1M
runs) is every 2026 leads import, so under Job ID or a time oldest first, and under Type or
Module, its first match comes after hundreds of thousands of runs. Walking the sort index
there reads all of them; gathering every match reads a heap page for each (16,849 pages, about
95 ms at 1M runs). A sample locates the page instead: TABLESAMPLE SYSTEM reads a fraction of
the table's pages (5 ms for 0.25%), and the k-th sampled match in the page's order bounds a
prefix of that order that should hold several times the rows the page needs. The gather is
then limited to that prefix, and PostgreSQL intersects the trigram index with the sort index's
range (a BitmapAnd) before it reads any row: a few hundred heap pages, 25-35 ms.

The sample only narrows the search; it never decides what the page holds. A prefix that holds
fewer matches than the page needs (an unlucky sample) is found out by the caller, which then
gathers every match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    tablesample,
    tuple_,
)
from sqlalchemy.sql.util import ClauseAdapter

from app.db import tables

runs = tables.job_runs
SAMPLED_MATCHES = 40  # the sample is sized to hold about this many matches (by the planner's estimate)
MIN_PERCENT, MAX_PERCENT = 0.1, 5.0  # of the table's pages
MARGIN = 4  # the prefix is to hold about this many times the rows the page needs
MIN_RANK = 3  # never bound by the first or second sampled match: too likely to hold fewer than needed
SEED = 1  # a repeatable sample: the same filter and sort bound the same prefix each time
# What each way costs, measured at 1M runs (bench/README.md, session 6): a walk of the sort index
# reads and rechecks each run it passes; a gather reads the trigram index, the sort index's
# range of the prefix, and one heap page for each match in the prefix
WALK_MS_PER_RUN = 0.002
GATHER_MS = 15.0
RANGE_MS_PER_RUN = 0.00007
MATCH_MS = 0.006
WIDE_PREFIX = 0.5  # a prefix over this share of the runs is not worth bounding


def sample_percent(estimated_rows: float) -> float:
    """The share of the table's pages to sample (TABLESAMPLE SYSTEM's argument, in percent)."""
    return min(MAX_PERCENT, max(MIN_PERCENT, 100.0 * SAMPLED_MATCHES / max(estimated_rows, 1.0)))


@dataclass(frozen=True)
class Located:
    """What the sample says: walk the sort index (the page's matches come early), or gather
    within `prefix` (None: the sample holds too few matches to bound anything; gather all)."""
    walk: bool
    prefix: ColumnElement[bool] | None


def locate(conn: Connection, where: ColumnElement[bool], key: Any, descending: bool, need: int,
           estimated_rows: float) -> Located:
    """Sample the table, rank the sampled runs in the page's order (key, id; NULLs last ascending,
    first descending, as PostgreSQL orders them) and find the sampled matches among them. The
    k-th match bounds the prefix; its rank among the sampled runs says how far a walk of the
    sort index would go before it had the page's `need` matches."""
    percent = sample_percent(estimated_rows)
    rank = max(MIN_RANK, math.ceil(MARGIN * need * percent / 100.0))
    sample = tablesample(runs, func.system(literal_column(repr(percent))), name="sampled",
                         seed=literal_column(str(SEED)))
    adapt = ClauseAdapter(sample).traverse
    sampled_key = adapt(key)
    order = (sampled_key.desc(), sample.c.id.desc()) if descending else (sampled_key.asc(), sample.c.id.asc())
    ranked = select(sampled_key.label("sort_key"), sample.c.id, adapt(where).label("hit"),
                    func.count().over().label("sampled"),
                    func.row_number().over(order_by=order).label("pos")).subquery("ranked")
    hits = conn.execute(select(ranked.c.sort_key, ranked.c.id, ranked.c.pos, ranked.c.sampled).where(ranked.c.hit)
                        .order_by(ranked.c.pos).limit(rank)).all()
    if len(hits) < rank:
        return Located(walk=False, prefix=None)
    bound, scale = hits[-1], 100.0 / percent  # a sampled run stands for `scale` runs
    walk_ms = bound.pos / MARGIN * scale * WALK_MS_PER_RUN  # the walk stops at the page's `need`-th match
    gather_ms = GATHER_MS + bound.pos * scale * RANGE_MS_PER_RUN + rank * scale * MATCH_MS
    if bound.pos > WIDE_PREFIX * bound.sampled:
        # the planner reads every match's heap page for a prefix this wide (it expects the matches
        # spread evenly, so a range of half the runs to hold half of them): gather all, plainly
        return Located(walk=walk_ms < gather_ms, prefix=None)
    return Located(walk=walk_ms < gather_ms, prefix=up_to(key, descending, bound.sort_key, int(bound.id)))


def up_to(key: Any, descending: bool, value: Any, run_id: int) -> ColumnElement[bool]:
    """Runs ordered at or before (value, run_id) by (key, id): an index range on (key, id)."""
    nullable = getattr(key, "nullable", True)  # a column knows; the duration expression may be NULL
    pair = tuple_(key, runs.c.id)
    if value is None:  # the bound is among the runs without a key (first descending, last ascending)
        at_or_before = and_(key.is_(None), runs.c.id >= run_id if descending else runs.c.id <= run_id)
        return at_or_before if descending else or_(key.is_not(None), at_or_before)
    bound = tuple_(literal(value, key.type), literal(run_id, runs.c.id.type))
    if descending:
        return or_(key.is_(None), pair >= bound) if nullable else pair >= bound
    return pair <= bound
