"""Alembic environment: runs against the URL that app.db.migrate puts in the config.

Every console and worker upgrades the shared database when it finds it behind
(app/cli/database.py), so several may start an upgrade at the same moment after a release.
They take turns (app/db/upgrade_lock.py): on PostgreSQL on an advisory lock held for the whole
upgrade, on SQLite on a lock file beside the database; the one that waited then reads the
version the first one left and has nothing to do (without it, the second ran the same
migrations again and failed on tables and functions that now exist).
"""

from __future__ import annotations

from alembic import context

from app.db.engine import make_engine
from app.db.models import Base
from app.db.upgrade_lock import upgrade_turn

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection, upgrade_turn(connection):
        # Alembic opens its own transaction (and reads the version) only after the turn came
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
