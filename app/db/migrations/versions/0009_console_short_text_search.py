"""history text search for one and two characters on PostgreSQL: an exact index of short grams

pg_trgm (migration 0008) has no trigram for a text of one or two characters, so such a text
that few runs match ('zq') read every run: 0.65-0.72 s at 1M runs (bench/README.md, session 6).
This adds an IMMUTABLE function that lists the one- and two-character substrings of a string
and a GIN index (array_ops) over it, applied to the same searched expression as 0008. A short
text then filters `job_runs_short_grams(expr) COLLATE "C" @> ARRAY[text]` AND the plain LIKEs
(app/engine/history_text.py): the index answers which runs hold the text exactly, the LIKEs
keep the results those of the plain search.

The function splits the string into characters (string_to_array with a NULL delimiter) and
into pairs twice, from the first and from the second character (regexp_replace puts a unit
separator after every pair, string_to_array splits there). A pair that holds a unit separator
is cut, but no searched text holds one (the search leaves such texts to the plain LIKE), so
every pair a search can ask for is in the list; the list may hold repeats and empty strings,
which GIN drops and no search asks for. 15 us per 70-character string, against 67 us for a
generate_series over every position.

Where the function cannot be created (no CREATE right on the schema), the upgrade still
succeeds without it: the console finds no index and short texts read the table, as before.
SQLite gets neither. The build time and size at 1M runs are in bench/README.md (session 7). The
index is built CONCURRENTLY (app/db/online_index.py): writes to job_runs go on during the build
(session 8), and a rerun rebuilds an index that an interrupted build left INVALID. The function
is committed before the build starts, so such a rerun finds it made and keeps it.

Revision ID: 0009_console_short_text_search
Revises: 0008_console_text_search
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.online_index import create_index_concurrently

revision = "0009_console_short_text_search"
down_revision = "0008_console_text_search"
branch_labels = None
depends_on = None

INDEX = "ix_job_runs_search_grams"
FUNCTION = "job_runs_short_grams"
# Exactly app.engine.history_text.searched_text(), as in 0008 (a migration keeps its own copy:
# it must build the same index however the application changes later).
SEARCHED = ("lower(coalesce(job_runs.file_name, '') || '\x1f' || coalesce(CAST(job_runs.params AS TEXT), '')"
            " || '\x1f' || job_runs.type || '\x1f' || coalesce(job_runs.error, ''))")
# COST: evaluated per row (a filter outside the index) it costs ~100 times a LIKE, and the
# planner should know, so it keeps it for the rows an index scan returns
GRAMS = rf"""CREATE FUNCTION {FUNCTION}(searched text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
SELECT string_to_array(searched, NULL)
    || string_to_array(regexp_replace(searched, '(..)', E'\\1\x1f', 'g'), E'\x1f')
    || string_to_array(regexp_replace(substr(searched, 2), '(..)', E'\\1\x1f', 'g'), E'\x1f')
$$"""
log = logging.getLogger("alembic.runtime.migration")


def _created_function() -> bool:
    """Create the function, or say why not (and leave the upgrade going) when it cannot be."""
    bind = op.get_bind()
    if bind.execute(text(f"SELECT to_regprocedure('{FUNCTION}(text)')")).scalar() is not None:
        return True  # made by a run of this migration whose index build was interrupted
    try:
        with bind.begin_nested():  # a savepoint: a refused CREATE must not abort the upgrade
            bind.execute(text(GRAMS))
    except DBAPIError as exc:
        log.warning("%s could not be created (%s); short texts in the history's search stay unindexed",
                    FUNCTION, str(exc.orig).strip().splitlines()[0])
        return False
    return True


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or not _created_function():
        return
    # COLLATE "C": the index compares its keys bytewise, not by the database's locale (strcoll), and
    # a gram is an exact string either way: the build took 24 s instead of 14 s for 200k runs;
    # a larger work memory for the build saved another fifth (11.6 s); a session setting for the
    # build alone (SET LOCAL means nothing outside a transaction)
    create_index_concurrently(INDEX, "job_runs", f'USING gin (({FUNCTION}({SEARCHED})) COLLATE "C")',
                              settings={"maintenance_work_mem": "256MB"})
    # the expression's element statistics now: the console estimates a short text's runs from
    # them (app/api/history.py) and chooses between this index and a walk of the sort index
    op.execute("ANALYZE job_runs")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text)")
