"""history text search on PostgreSQL: a pg_trgm GIN index over the searched fields joined

The history's text filter is `LIKE '%text%'` over the file name, the parameters, the type and
the error, which no B-tree serves: a text that few runs match read every run, 3-8 s for the
first page at 1M runs (bench/ui.py --sort-filters). pg_trgm's GIN index answers LIKE with any
wildcards from trigrams; it indexes ONE expression, the four fields lowercased and joined by a
unit separator (app/engine/history_text.py writes the filter against the very same expression,
or the planner could not use it). The index also gives the planner statistics for the search,
so it walks a sort index for a common text and reads the trigram index for a rare one.

pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. Where it
cannot be created (not installed, or no CREATE right on the database), the upgrade still
succeeds without the index: the search stays correct, only slower. SQLite gets no index (the
search reads the table there, as before). The downgrade drops the index, not the extension:
other objects may use it. The build takes 11-13 s at 1M runs (bench/README.md; a larger
maintenance_work_mem did not shorten it). It is built CONCURRENTLY (app/db/online_index.py), so
workers' progress updates and new runs go on meanwhile; a rerun rebuilds an index that an
interrupted build left INVALID.

Revision ID: 0008_console_text_search
Revises: 0007_console_type_file_sort
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.online_index import create_index_concurrently

revision = "0008_console_text_search"
down_revision = "0007_console_type_file_sort"
branch_labels = None
depends_on = None

INDEX = "ix_job_runs_search_trgm"
# Exactly app.engine.history_text.searched_text(); chr(31) is the unit separator, written as
# the character itself so the index's constant and the filter's are the same constant.
SEARCHED = ("lower(coalesce(job_runs.file_name, '') || '\x1f' || coalesce(CAST(job_runs.params AS TEXT), '')"
            " || '\x1f' || job_runs.type || '\x1f' || coalesce(job_runs.error, ''))")
log = logging.getLogger("alembic.runtime.migration")


def _trigram_schema() -> str | None:
    """The schema pg_trgm is (or now is) installed in, or None when it cannot be created."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():  # a savepoint: a refused CREATE must not abort the upgrade
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as exc:
        log.warning("pg_trgm could not be created (%s); the history's text search stays unindexed",
                    str(exc.orig).strip().splitlines()[0])
    return bind.execute(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                             "WHERE e.extname = 'pg_trgm'")).scalar()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _trigram_schema()
    if schema is None:
        return
    create_index_concurrently(INDEX, "job_runs", f'USING gin (({SEARCHED}) "{schema}".gin_trgm_ops)')
    # The expression's statistics now, not at the next auto-analyze (which may be far off): the
    # page query chooses its plan by the planner's estimate of a text's runs (app/api/history.py),
    # and without them every text is estimated alike (320 of 1M runs for one that half match).
    op.execute("ANALYZE job_runs")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
