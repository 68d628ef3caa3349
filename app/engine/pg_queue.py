"""The queue's hot path on PostgreSQL: claim and finish, each ONE autocommitted statement.

With psycopg a transaction costs a round trip for BEGIN and one for COMMIT besides its
statements; a finish written as BEGIN, UPDATE, INSERT logs, UPDATE counters, COMMIT was
six. Here every write of a claim or a finish is a data-modifying CTE sent in one round
trip, with the driver's own parameter syntax (no SQL compilation per run), and psycopg
prepares it on the server after a few uses. Notification goes through the coalescing
announcer (see notify.py), never in these statements.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import Engine

from app.engine.records import RunRecord, RunWrites
from app.engine.status import RunStatus

# Claims the oldest pending run (or one given run) for %(claimer)s, with its log line.
_CLAIM_CTES = """picked AS (
    SELECT id FROM job_runs WHERE status = 'pending'{only} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE job_runs AS r SET status = 'started', worker = %(claimer)s, started_at = %(now)s,
           heartbeat_at = %(now)s, updated_at = %(now)s, attempts = r.attempts + 1
    FROM picked WHERE r.id = picked.id AND r.status = 'pending'
    RETURNING r.*
), claim_logged AS (
    INSERT INTO job_logs (run_id, at, level, message)
    SELECT id, %(now)s, 'info',
           'Started on ' || %(claimer)s || CASE WHEN attempts > 1 THEN ' (attempt ' || attempts || ')' ELSE '' END
    FROM claimed
)"""

COUNTERS = ("total", "processed", "created", "updated", "skipped", "failed", "errors_count")


_thread = threading.local()


@contextmanager
def dedicated(engine: Engine) -> Iterator[None]:
    """For a worker loop: its thread's hot-path statements use one autocommit connection of
    its own instead of a pool checkout (and autocommit switch) per statement."""
    if engine.dialect.name != "postgresql":
        yield
        return
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(url, autocommit=True)
    _thread.held = (engine, conn)
    try:
        yield
    finally:
        _thread.held = None
        conn.close()


@contextmanager
def autocommit(engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """The worker's own connection, or the pool's psycopg connection itself in autocommit
    for one statement: SQLAlchemy's statement and result machinery cost more Python time
    than the round trip on this path."""
    held = getattr(_thread, "held", None)
    if held is not None and held[0] is engine and not held[1].closed:
        yield held[1]
        return
    pooled = engine.raw_connection()
    try:
        conn: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
        conn.autocommit = True
        try:
            yield conn
        finally:
            if not conn.closed:
                conn.autocommit = False
    except psycopg.OperationalError:
        pooled.invalidate()  # a broken connection must not go back to the pool
        raise
    finally:
        pooled.close()


def claim(engine: Engine, worker: str, now: dt.datetime, run_id: int | None = None) -> RunRecord | None:
    """Claim the oldest pending run (or that one) with its 'Started on' log line."""
    sql = "WITH " + _CLAIM_CTES.format(only=" AND id = %(run_id)s" if run_id is not None else "") + "\nSELECT * FROM claimed"
    params: dict[str, Any] = {"claimer": worker, "now": now, "run_id": run_id}
    with autocommit(engine) as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql, params).fetchone()
    return RunRecord.from_mapping(row) if row is not None else None


@lru_cache(maxsize=64)
def _finish_sql(with_result: bool, with_counters: bool, with_worker: bool, with_errors: bool, with_claim: bool) -> str:
    sets = ["status = %(status)s", "finished_at = %(now)s", "heartbeat_at = %(now)s", "updated_at = %(now)s",
            "error = %(error)s"]
    if with_result:
        sets.append("result = CAST(%(result)s AS json)")
    if with_counters:
        sets += [f"{name} = %({name})s" for name in COUNTERS]
    where = "id = %(id)s AND status = 'started'" + (" AND worker = %(worker)s" if with_worker else "")
    parts = [
        f"WITH done AS (UPDATE job_runs SET {', '.join(sets)} WHERE {where} RETURNING id)",
        """, logged AS (
    INSERT INTO job_logs (run_id, at, level, message)
    SELECT done.id, l.at, l.level, l.message
    FROM done CROSS JOIN ROWS FROM (json_to_recordset(CAST(%(logs)s AS json))
         AS (at timestamp, level text, message text)) WITH ORDINALITY AS l(at, level, message, n)
    ORDER BY l.n
)""",
    ]
    if with_errors:  # raw is NOT NULL: a missing one is JSON null, as SQLAlchemy stores None
        parts.append(""", row_errors AS (
    INSERT INTO job_row_errors (run_id, row_number, field, message, raw)
    SELECT done.id, e.row_number, e.field, e.message, COALESCE(e.raw, 'null'::json)
    FROM done CROSS JOIN ROWS FROM (json_to_recordset(CAST(%(errors)s AS json))
         AS (row_number bigint, field text, message text, raw json)) WITH ORDINALITY
         AS e(row_number, field, message, raw, n)
    ORDER BY e.n
)""")
    if with_claim:  # the worker's next run, in the same round trip
        parts.append(", " + _CLAIM_CTES.format(only=""))
        parts.append("\nSELECT (SELECT count(*) FROM done) AS finished_now, claimed.* "
                     "FROM (SELECT 1) AS one LEFT JOIN claimed ON true")
    else:
        parts.append("\nSELECT count(*) AS finished_now FROM done")
    return "".join(parts)


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


def finish(
    engine: Engine, run_id: int, status: RunStatus, now: dt.datetime, *, error: str | None,
    result: dict[str, Any] | None, worker: str | None, writes: RunWrites, logs: list[dict[str, Any]],
    claim_for: str | None = None,
) -> tuple[bool, RunRecord | None]:
    """Status, counters, result, log lines and row errors of a finishing run, all or nothing;
    with `claim_for`, that worker's next run is claimed in the same statement. Returns
    whether the run was finished (False: not ours any more) and the claimed run."""
    params: dict[str, Any] = {"id": run_id, "status": status.value, "now": now, "error": error, "worker": worker,
                              "result": _json(result) if result is not None else None, "claimer": claim_for}
    if writes.counters is not None:
        params.update({name: writes.counters.get(name) for name in COUNTERS})
    params["logs"] = _json([{"at": line["at"].isoformat(), "level": line["level"], "message": line["message"]}
                            for line in logs])
    if writes.row_errors:
        params["errors"] = _json([{key: e.get(key) for key in ("row_number", "field", "message", "raw")}
                                  for e in writes.row_errors])
    sql = _finish_sql(result is not None, writes.counters is not None, worker is not None, bool(writes.row_errors),
                      claim_for is not None)
    with autocommit(engine) as conn, conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql, params).fetchone()
    assert row is not None
    following = RunRecord.from_mapping(row) if claim_for is not None and row["id"] is not None else None
    return bool(row["finished_now"]), following
