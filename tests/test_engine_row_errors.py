"""Row errors stored in one statement (SQLite) read back exactly as SQLAlchemy's own insert
stores them, in order, on both backends."""

from __future__ import annotations

from sqlalchemy import insert, select

from app.db import tables
from app.engine import history, runs
from app.engine.row_errors import insert_row_errors
from tests.engine_support import add_workspace

ERRORS = [
    {"row_number": 7, "field": "email", "message": "Email field invalid: 'not-an-email'",
     "raw": {"Email": "not-an-email", "Naïve – name": "Zoë \"Q\" O'Brien", "Score": 3.5, "Flag": True, "Empty": None}},
    {"row_number": None, "field": None, "message": "File-level problem", "raw": None},
    {"row_number": 3, "field": "", "message": "line\nbreak and tab\t", "raw": ["a", 1, None]},
]


def test_row_errors_round_trip_like_sqlalchemy_inserts(engine):
    add_workspace(engine)
    ours = runs.enqueue(engine, "rebuild_search_index", {}, workspace="main")
    theirs = runs.enqueue(engine, "rebuild_search_index", {}, workspace="main")
    with engine.begin() as conn:
        insert_row_errors(conn, ours, ERRORS)
        insert_row_errors(conn, ours, [])
        conn.execute(insert(tables.job_row_errors), [{**e, "run_id": theirs} for e in ERRORS])

    def stored(run_id: int) -> list[tuple[object, ...]]:
        table = tables.job_row_errors
        with engine.connect() as conn:
            rows = conn.execute(select(table.c.row_number, table.c.field, table.c.message, table.c.raw)
                                .where(table.c.run_id == run_id).order_by(table.c.id))
            return [tuple(r) for r in rows]

    assert stored(ours) == stored(theirs)
    assert [r[2] for r in stored(ours)] == [e["message"] for e in ERRORS], "kept in the given order"
    assert stored(ours)[0][3] == ERRORS[0]["raw"]
    assert [e["row_number"] for e in history.row_errors(engine, ours)] == [3, 7, None]
