"""The full-text search table, made by the initial migration: its own DDL per backend
(PostgreSQL tsvector + GIN, SQLite FTS5), which autogenerate cannot express."""

from __future__ import annotations

from alembic import op


def create_search_documents() -> None:
    """Full-text index over the modules: PostgreSQL tsvector + GIN, SQLite FTS5.

    Both key a document by doc_id = record_id * 4 + module code (SQLite: the FTS rowid),
    so one SQL shape finds, compares and replaces documents on either backend.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE TABLE search_documents (
                doc_id BIGINT PRIMARY KEY,
                workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
                module VARCHAR(32) NOT NULL,
                record_id BIGINT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || body)) STORED
            )
            """
        )
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_documents_ws ON search_documents (workspace_id, module)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_documents USING fts5("
            "workspace_id UNINDEXED, module UNINDEXED, record_id UNINDEXED, title, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def drop_search_documents() -> None:
    op.execute("DROP TABLE IF EXISTS search_documents")
