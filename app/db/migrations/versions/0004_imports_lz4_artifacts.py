"""artifact chunks compressed with lz4 on PostgreSQL

Exports and import sources are stored in `artifact_chunks`. PostgreSQL compresses the 1 MB
chunks with pglz by default, which took longer than exporting the rows (a million leads, 126
MB of CSV: 1.3 s to store with pglz, 0.4 s with lz4, which compresses about as well). SQLite
has no such setting. A server built without lz4 keeps pglz.

Revision ID: 0004_imports_lz4_artifacts
Revises: 0003_console_history_sort
"""

from __future__ import annotations

from alembic import op

revision = "0004_imports_lz4_artifacts"
down_revision = "0003_console_history_sort"
branch_labels = None
depends_on = None

SET_COMPRESSION = """
DO $$
BEGIN
    ALTER TABLE artifact_chunks ALTER COLUMN data SET COMPRESSION {method};
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value OR syntax_error THEN
    RAISE NOTICE 'artifact_chunks keeps its compression: %', SQLERRM;
END $$;
"""


def _has_compression_setting() -> bool:
    dialect = op.get_bind().dialect
    return dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (14,)


def upgrade() -> None:
    if _has_compression_setting():
        op.execute(SET_COMPRESSION.format(method="lz4"))


def downgrade() -> None:
    if _has_compression_setting():
        op.execute(SET_COMPRESSION.format(method="pglz"))
