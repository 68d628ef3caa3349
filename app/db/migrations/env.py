"""Alembic environment: runs against the URL that app.db.migrate puts in the config.

Every console and worker upgrades the shared database when it finds it behind
(app/cli/database.py), so several may start an upgrade at the same moment after a release.
On PostgreSQL they take turns on an advisory lock held for the whole upgrade; the one that
waited then reads the version the first one left and has nothing to do (without it, the
second ran the same migrations again and failed on tables and functions that now exist).
"""

from __future__ import annotations

import zlib

from alembic import context
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.models import Base

config = context.config
target_metadata = Base.metadata
UPGRADE_LOCK = zlib.crc32(b"batchdesk.schema-upgrade") & 0x7FFFFFFF


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # a session lock, released when the connection closes; committed at once so that
            # Alembic opens its own transaction (and reads the version) after the wait
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
