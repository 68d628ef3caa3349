"""match keys fold ASCII letter case only, on PostgreSQL whatever the server's collation

The unique key indexes were `(workspace_id, lower(col))`. PostgreSQL's lower() follows the
database collation (C: ASCII only; C.UTF-8, en_US.UTF-8: all of Unicode), so whether
`jörg@x.com` and `JÖRG@x.com` were one key depended on the server's locale, while the
program's own dedup must decide it the same way everywhere. `COLLATE "C"` makes the
index ASCII-only on every server (SQLite's lower() already is: nothing to do there).

The new rule is weaker than a Unicode fold (keys equal under it are equal under any
lower()), so the upgrade cannot fail on existing data; the downgrade fails if the data now
holds keys that differ only in non-ASCII letter case.

Revision ID: 0005_keyfold_ascii_keys
Revises: 0004_imports_lz4_artifacts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_keyfold_ascii_keys"
down_revision = "0004_imports_lz4_artifacts"
branch_labels = None
depends_on = None

KEY_INDEXES = (
    ("ux_employees_ws_email", "employees", "email"),
    ("ux_accounts_ws_name", "accounts", "name"),
    ("ux_contacts_ws_email", "contacts", "email"),
    ("ux_leads_ws_email", "leads", "email"),
)


def _recreate(expression: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, column in KEY_INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["workspace_id", sa.text(expression.format(column=column))], unique=True)


def upgrade() -> None:
    _recreate('lower({column} COLLATE "C")')


def downgrade() -> None:
    _recreate("lower({column})")
