"""history sort indexes: one (column, id) index per sortable history column

The console sorts the job history on every column in SQL and reads a page at a time; with
a million runs an unindexed ORDER BY is a full sort. A (column, id) index matches the
console's order (column, then id, in the same direction) both ways, and serves a filter on
that column with the newest-first default order too.

Revision ID: 0003_console_history_sort
Revises: 0002_engine_pending
"""

from __future__ import annotations

from alembic import op

revision = "0003_console_history_sort"
down_revision = "0002_engine_pending"
branch_labels = None
depends_on = None

SORT_COLUMNS = ("type", "module", "file_name", "status", "processed", "created", "updated", "skipped",
                "failed", "errors_count", "started_at", "finished_at", "initiated_by", "workspace_id")


# Duration is an expression, and each backend computes it its own way (app/api/history.py).
DURATION = {"postgresql": "(finished_at - started_at)", "sqlite": "(julianday(finished_at) - julianday(started_at))"}


def upgrade() -> None:
    for column in SORT_COLUMNS:
        op.create_index(f"ix_job_runs_sort_{column}", "job_runs", [column, "id"])
    expression = DURATION[op.get_bind().dialect.name]
    op.execute(f"CREATE INDEX ix_job_runs_sort_duration ON job_runs ({expression}, id)")


def downgrade() -> None:
    op.drop_index("ix_job_runs_sort_duration", table_name="job_runs")
    for column in SORT_COLUMNS:
        op.drop_index(f"ix_job_runs_sort_{column}", table_name="job_runs")
