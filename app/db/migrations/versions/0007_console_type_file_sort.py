"""history sort by File Name under a type filter: (type, file_name, id)

Only imports have a file name. Sorting "type = import" by File Name, descending, walked the
(file_name, id) index through every run without a file name (NULLs come first descending:
900,000 of a million) before its first import: 450-490 ms for the first page where other
sorts take 10-20 ms (bench/ui.py --sort-filters, recorded in bench/README.md). With the type
first in the index the walk starts among the imports.

Revision ID: 0007_console_type_file_sort
Revises: 0006_console_status_sorts
"""

from __future__ import annotations

from alembic import op

revision = "0007_console_type_file_sort"
down_revision = "0006_console_status_sorts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_job_runs_type_sort_file_name", "job_runs", ["type", "file_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_type_sort_file_name", table_name="job_runs")
