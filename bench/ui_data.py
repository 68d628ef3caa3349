"""Data for the console bench: a million realistic runs in PostgreSQL, made in the server
with one INSERT ... SELECT over generate_series (about a minute with every index)."""

from __future__ import annotations

from sqlalchemy import Engine, text

TYPES = ("import", "export", "rescore", "sync", "bulk_update", "bulk_delete", "retention_cleanup", "rollup_refresh",
         "notification_delivery", "daily_rescore", "rebuild_search_index", "rebuild_rollups", "recompute_scores")
USERS = ("maria.keller", "tom.baker", "li.wang", "sofia.romero", "scheduler", "ops.bot", "anna.berg", "jonas.klein")

INSERT_RUNS = """
INSERT INTO job_runs (type, module, workspace_id, run_date, params, status, total, processed, created, updated,
                      skipped, failed, errors_count, file_name, initiated_by, worker, queued_at, started_at,
                      finished_at, heartbeat_at, updated_at, cancel_requested, attempts, archived)
SELECT t.type, t.module, t.ws, t.queued::date,
       json_build_object('module', t.module, 'duplicates', CASE WHEN g % 2 = 0 THEN 'skip' ELSE 'update' END,
                         'dry_run', false),
       t.status, t.total, t.total,
       (t.total * 7 / 10), (t.total / 5), (CASE WHEN t.status = 'warning' THEN t.total / 50 ELSE 0 END),
       (CASE WHEN t.status = 'warning' AND t.type = 'import' THEN 1 + g % 40 ELSE 0 END),
       (CASE WHEN t.status = 'warning' AND t.type = 'import' THEN 1 + g % 40 ELSE 0 END),
       CASE WHEN t.type = 'import' THEN t.module || '_' || to_char(t.queued, 'YYYYMMDD') || '_' || (g % 997) || '.csv' END,
       (CAST(:users AS text[]))[(1 + g % 8)::int], 'ws-' || (1 + g % 6) || ':4242:0',
       t.queued, t.queued + interval '2 seconds', t.queued + interval '2 seconds' + (g % 900) * interval '1 second',
       t.queued + interval '2 seconds' + (g % 900) * interval '1 second',
       t.queued + interval '2 seconds' + (g % 900) * interval '1 second',
       t.status = 'stopped', 1, false
FROM generate_series(1::bigint, :n) AS g
CROSS JOIN LATERAL (SELECT
    (CAST(:types AS text[]))[(1 + (g * 7) % 13)::int] AS type,
    (ARRAY['leads', 'contacts', 'accounts'])[(1 + (g / 13) % 3)::int] AS module,
    (SELECT min(id) FROM workspaces) + g % 2 AS ws,
    timestamp '2026-11-01 00:00' - g * interval '40 seconds' AS queued,
    CASE WHEN g % 100 < 72 THEN 'completed' WHEN g % 100 < 84 THEN 'warning'
         WHEN g % 100 < 93 THEN 'failed' ELSE 'stopped' END AS status,
    (100 + (g * 7919) % 50000)::int AS total) AS t
"""


def add_runs(engine: Engine, n: int) -> None:
    """Insert with the secondary indexes dropped, then rebuild the very same indexes (from
    their definitions in pg_indexes): several times faster than maintaining 20+ indexes."""
    with engine.begin() as conn:
        defs = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'job_runs' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'job_runs'::regclass)")).all()
        for name, _ in defs:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text(INSERT_RUNS), {"n": n, "types": list(TYPES), "users": list(USERS)})
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for _, definition in defs:
            conn.execute(text(definition))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE job_runs"))
