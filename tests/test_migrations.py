"""The migrations are the schema: one linear chain, and the models mirror what it builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.db.migrate import alembic_config, current_revision, head_revision
from app.db.models import Base

# Created by hand in migrations (per-backend search index, FTS5 shadow tables) or made of
# expressions that autogenerate cannot compare; everything else must match exactly.
UNCOMPARED_TABLES = ("search_documents", "alembic_version")
ROOT = Path(__file__).resolve().parents[1]


def test_one_linear_chain():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migration chain forked: {heads}"


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_models_match_the_migrated_database(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_name": lambda name, type_, parent: not (type_ == "table" and name.startswith(UNCOMPARED_TABLES)),
        })
        diffs = compare_metadata(context, Base.metadata)
    meaningful = [d for d in diffs if not _expression_index(d)]
    assert meaningful == [], meaningful


def _expression_index(diff: object) -> bool:
    """Index diffs on expressions (lower(email)) that reflection cannot read back."""
    if isinstance(diff, tuple) and diff and diff[0] in ("add_index", "remove_index"):
        return any(not hasattr(expr, "name") for expr in diff[1].expressions) or diff[1].name.startswith("ux_")
    return False


def test_two_upgrades_started_together_both_succeed(db_url: str, engine: Engine) -> None:
    """Consoles and workers upgrade the shared database when they find it behind; two starting
    at once after a release must not both run the migrations (the second failed on objects the
    first had just made: on PostgreSQL before session 7, on SQLite before session 8). Two
    processes, as two workstations would be, released together once both are ready."""
    command.downgrade(alembic_config(db_url), "base")
    assert current_revision(engine) is None
    script = ("import sys; import app.db.models, app.db.upgrade_lock; from app.db.migrate import upgrade; "
              f"print('ready', flush=True); sys.stdin.readline(); upgrade({db_url!r})")
    upgrades = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
    for proc in upgrades:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n", proc.communicate()[1]
    for proc in upgrades:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    problems = [proc.communicate(timeout=120)[1] for proc in upgrades]
    assert [proc.returncode for proc in upgrades] == [0, 0], "\n".join(p[-2000:] for p in problems)
    assert current_revision(engine) == head_revision()
