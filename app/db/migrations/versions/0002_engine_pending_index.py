"""engine: partial index on pending runs, so a claim is O(1) however long the history

Revision ID: 0002_engine_pending
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_engine_pending"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_job_runs_pending", "job_runs", ["id"], unique=False,
                    postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index("ix_job_runs_pending", table_name="job_runs")
