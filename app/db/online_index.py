"""Indexes that migrations build on a live PostgreSQL database, with CREATE INDEX CONCURRENTLY.

A plain CREATE INDEX holds a SHARE lock on the table for the whole build, so every worker's
progress UPDATE and every new run waited for it (97 s at 1M runs for 0009's index). CONCURRENTLY
lets writes go on; it cannot run in a transaction, so it runs in Alembic's autocommit block,
which commits the migrations run so far first (each migration's version stamp follows its
index). It waits for every transaction that is older than it to end, ours included, which is why
nothing of ours may be open then (app/db/upgrade_lock.py says how the waiting upgrader keeps
out of its way).

A concurrent build that fails or is interrupted leaves the index INVALID (pg_index.indisvalid):
present, maintained by every write, used by no query. A rerun drops such an index and builds it
again; a valid one (the build ended, the version stamp did not) is kept.
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import Connection, text

log = logging.getLogger("alembic.runtime.migration")


def index_state(bind: Connection, table: str, name: str) -> bool | None:
    """True: the index exists and is valid; False: it exists, INVALID; None: it does not exist."""
    valid = bind.execute(text(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = to_regclass(:table) AND c.relname = :name"), {"table": table, "name": name}).scalar()
    return None if valid is None else bool(valid)


def create_index_concurrently(name: str, table: str, using: str, settings: dict[str, str] | None = None) -> None:
    """CREATE INDEX CONCURRENTLY name ON table `using` (e.g. "USING gin (...)"), outside any
    transaction; `settings` are session settings for the build only (work memory)."""
    with op.get_context().autocommit_block():
        bind = op.get_bind()
        state = index_state(bind, table, name)
        if state:
            log.info("index %s is already built and valid; kept", name)
            return
        if state is False:
            log.warning("index %s is INVALID (an interrupted concurrent build); dropping and building it again", name)
            bind.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        for key, value in (settings or {}).items():
            bind.execute(text(f"SET {key} = '{value}'"))
        # a failure leaves the settings to this connection, which the failed upgrade then closes
        bind.execute(text(f"CREATE INDEX CONCURRENTLY {name} ON {table} {using}"))
        for key in settings or {}:
            bind.execute(text(f"RESET {key}"))
