"""history sorts under a status filter: (status, column, id) for the columns that follow status

Counters that make a run end in `warning` (skipped, failed, errors) and the duration follow
a run's status: every run with skipped > 0 is a warning. Sorting `status = completed` by
Skipped, newest-biggest first, walked the (skipped, id) index past every warning run
(120,000 of a million) before it found a completed one: 120 ms for the first page where
other sorts take 2 ms. With the status first in the index the walk starts at the right place
(1-3 ms, measured in bench/ui.py and recorded in bench/README.md).

Revision ID: 0006_console_status_sorts
Revises: 0005_keyfold_ascii_keys
"""

from __future__ import annotations

from alembic import op

revision = "0006_console_status_sorts"
down_revision = "0005_keyfold_ascii_keys"
branch_labels = None
depends_on = None

STATUS_SORT_COLUMNS = ("skipped", "failed", "errors_count")
# As in 0003: duration is an expression each backend computes its own way (app/api/history.py).
DURATION = {"postgresql": "(finished_at - started_at)", "sqlite": "(julianday(finished_at) - julianday(started_at))"}


def upgrade() -> None:
    for column in STATUS_SORT_COLUMNS:
        op.create_index(f"ix_job_runs_status_sort_{column}", "job_runs", ["status", column, "id"])
    expression = DURATION[op.get_bind().dialect.name]
    op.execute(f"CREATE INDEX ix_job_runs_status_sort_duration ON job_runs (status, {expression}, id)")


def downgrade() -> None:
    op.drop_index("ix_job_runs_status_sort_duration", table_name="job_runs")
    for column in STATUS_SORT_COLUMNS:
        op.drop_index(f"ix_job_runs_status_sort_{column}", table_name="job_runs")
