"""The full-text search index: document text per module, and set-based refresh and query.

A document's key is doc_id = record_id * 4 + module code; on SQLite it is the FTS5 rowid,
on PostgreSQL the primary key, so the compare-and-replace SQL is the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text

MODULE_CODES = {"leads": 1, "contacts": 2, "accounts": 3}

_NAME = "trim(coalesce(first_name, '') || ' ' || last_name)"
DOCUMENTS = {
    "leads": (
        _NAME,
        "email || ' ' || coalesce(company, '') || ' ' || coalesce(title, '') || ' ' || coalesce(city, '') "
        "|| ' ' || coalesce(country, '') || ' ' || coalesce(phone, '')",
    ),
    "contacts": (_NAME, "email || ' ' || coalesce(title, '') || ' ' || coalesce(phone, '')"),
    "accounts": ("name", "coalesce(domain, '') || ' ' || coalesce(industry, '') || ' ' || coalesce(country, '')"),
}


@dataclass
class RefreshCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0


def _key(conn: Connection) -> str:
    return "rowid" if conn.dialect.name == "sqlite" else "doc_id"


def _source(module: str, owners: list[int] | None) -> str:
    title, body = DOCUMENTS[module]
    code = MODULE_CODES[module]
    scope = " AND owner_id IN :owners" if owners is not None else ""
    return (
        f"SELECT id * 4 + {code} AS doc_id, workspace_id, id AS record_id, {title} AS title, {body} AS body "
        f"FROM {module} WHERE workspace_id = :ws{scope}"
    )


def _params(conn: Connection, sql: str, workspace_id: int, owners: list[int] | None):  # type: ignore[no-untyped-def]
    stmt = text(sql)
    if owners is not None:
        stmt = stmt.bindparams(bindparam("owners", expanding=True))
    return stmt, {"ws": workspace_id, **({"owners": owners} if owners is not None else {})}


def compare(conn: Connection, module: str, workspace_id: int, owners: list[int] | None) -> RefreshCounts:
    """How many documents in scope are missing, stale or current, and how many are orphans."""
    key = _key(conn)
    sql = (
        f"SELECT sum(CASE WHEN d.{key} IS NULL THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN d.{key} IS NOT NULL AND (d.title <> s.title OR d.body <> s.body) THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN d.{key} IS NOT NULL AND d.title = s.title AND d.body = s.body THEN 1 ELSE 0 END) "
        f"FROM ({_source(module, owners)}) s LEFT JOIN search_documents d ON d.{key} = s.doc_id"
    )
    stmt, params = _params(conn, sql, workspace_id, owners)
    new, changed, unchanged = conn.execute(stmt, params).one()
    removed = 0 if owners is not None else _orphans(conn, module, workspace_id, count_only=True)
    return RefreshCounts(int(new or 0), int(changed or 0), int(unchanged or 0), removed)


def refresh(conn: Connection, module: str, workspace_id: int, owners: list[int] | None, *, force: bool) -> RefreshCounts:
    """Replace stale documents (all in scope with force), add missing ones, drop orphans."""
    counts = compare(conn, module, workspace_id, owners)
    key = _key(conn)
    stale = "" if force else " WHERE d.title <> s.title OR d.body <> s.body"
    delete_sql = (
        f"DELETE FROM search_documents WHERE {key} IN (SELECT s.doc_id FROM ({_source(module, owners)}) s "
        f"JOIN search_documents d ON d.{key} = s.doc_id{stale})"
    )
    stmt, params = _params(conn, delete_sql, workspace_id, owners)
    conn.execute(stmt, params)
    insert_sql = (
        f"INSERT INTO search_documents ({key}, workspace_id, module, record_id, title, body) "
        f"SELECT s.doc_id, s.workspace_id, '{module}', s.record_id, s.title, s.body FROM ({_source(module, owners)}) s "
        f"WHERE NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.{key} = s.doc_id)"
    )
    stmt, params = _params(conn, insert_sql, workspace_id, owners)
    conn.execute(stmt, params)
    if owners is None:
        _orphans(conn, module, workspace_id, count_only=False)
    if force:
        counts.changed += counts.unchanged
        counts.unchanged = 0
    return counts


def _orphans(conn: Connection, module: str, workspace_id: int, *, count_only: bool) -> int:
    where = (
        f"FROM search_documents WHERE module = :module AND workspace_id = :ws "
        f"AND NOT EXISTS (SELECT 1 FROM {module} r WHERE r.id = search_documents.record_id)"
    )
    params = {"module": module, "ws": workspace_id}
    if count_only:
        return int(conn.execute(text(f"SELECT count(*) {where}"), params).scalar_one())
    return int(conn.execute(text(f"DELETE {where}"), params).rowcount or 0)


def query(conn: Connection, workspace_id: int, words: str, limit: int = 50) -> list[tuple[str, int, str]]:
    """(module, record_id, title) of the best matches."""
    if conn.dialect.name == "sqlite":
        phrase = " ".join('"' + w.replace('"', '""') + '"' for w in words.split())
        sql = ("SELECT module, record_id, title FROM search_documents WHERE search_documents MATCH :q "
               "AND workspace_id = :ws ORDER BY rank LIMIT :limit")
        rows = conn.execute(text(sql), {"q": phrase, "ws": workspace_id, "limit": limit})
    else:
        sql = ("SELECT module, record_id, title FROM search_documents WHERE tsv @@ plainto_tsquery('simple', :q) "
               "AND workspace_id = :ws ORDER BY ts_rank(tsv, plainto_tsquery('simple', :q)) DESC LIMIT :limit")
        rows = conn.execute(text(sql), {"q": words, "ws": workspace_id, "limit": limit})
    return [(r[0], int(r[1]), r[2]) for r in rows]
