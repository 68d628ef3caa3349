"""Re-score and Bulk Update of 1,000,000 leads on PostgreSQL, in rows per second, against a
single hand-written SQL UPDATE doing the same change on the same server in the same run.

The jobs work in batches of 50,000 leads by id (a cancel check between batches, progress,
only rows that differ written); the limit is one statement over the whole table. Before
each timing the column is reset and the table vacuumed, so both start from the same state.

    .venv/bin/python bench/jobs.py [--leads 1000000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402

from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.engine.executor import execute  # noqa: E402
from app.engine.runs import claim, enqueue  # noqa: E402
from app.engine.status import RunStatus  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

RULES = [("title", "contains", "Head", 15), ("title", "eq", "CEO", 25), ("source", "eq", "Referral", 20),
         ("source", "eq", "Trade show", 10), ("status", "eq", "qualified", 30), ("phone", "not_empty", None, 5),
         ("country", "in", "Germany,France,Netherlands", 10), ("company", "empty", None, -10)]

# The same rules, written by hand as one UPDATE: the limit for Re-score.
HAND_RESCORE = """
UPDATE leads SET scored_at = now() AT TIME ZONE 'utc', score =
    CASE WHEN lower(coalesce(title, '')) LIKE '%head%' THEN 15 ELSE 0 END
  + CASE WHEN lower(coalesce(title, '')) = 'ceo' THEN 25 ELSE 0 END
  + CASE WHEN lower(coalesce(source, '')) = 'referral' THEN 20 ELSE 0 END
  + CASE WHEN lower(coalesce(source, '')) = 'trade show' THEN 10 ELSE 0 END
  + CASE WHEN lower(coalesce(status, '')) = 'qualified' THEN 30 ELSE 0 END
  + CASE WHEN phone IS NOT NULL AND phone <> '' THEN 5 ELSE 0 END
  + CASE WHEN lower(coalesce(country, '')) IN ('germany', 'france', 'netherlands') THEN 10 ELSE 0 END
  + CASE WHEN company IS NULL OR company = '' THEN -10 ELSE 0 END
WHERE workspace_id = 1
"""
HAND_UPDATE = "UPDATE leads SET source = 'Partner', updated_at = now() AT TIME ZONE 'utc' WHERE workspace_id = 1"
RESET_SCORES = "UPDATE leads SET score = 0, scored_at = NULL"
RESET_SOURCE = "UPDATE leads SET source = 'Web form'"


def populate(engine: Engine, leads: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces (key, name, created_at) VALUES ('bench', 'Bench', now())"))
        conn.execute(text("INSERT INTO employees (workspace_id, email, first_name, last_name, active) "
                          "SELECT 1, 'emp' || i || '@bench.example', 'E', 'Mp' || i, true FROM generate_series(1, 20) i"))
        for field, op, value, points in RULES:
            conn.execute(text("INSERT INTO scoring_rules (workspace_id, field, operator, value, points, active, updated_at) "
                              "VALUES (1, :f, :o, :v, :p, true, now())"), {"f": field, "o": op, "v": value, "p": points})
        conn.execute(text("""
            INSERT INTO leads (workspace_id, owner_id, first_name, last_name, email, phone, company, title, country,
                               city, source, status, score, created_at, updated_at)
            SELECT 1, 1 + i % 20, 'F' || i, 'L' || i, 'lead' || i || '@bench.example',
                   CASE WHEN i % 3 = 0 THEN NULL ELSE '+49 30 ' || (1000000 + i) END,
                   CASE WHEN i % 10 = 0 THEN NULL ELSE 'Company ' || (i % 500) END,
                   (ARRAY['CEO', 'CTO', 'Head of Sales', 'Buyer', 'Analyst'])[1 + i % 5],
                   (ARRAY['Germany', 'France', 'Spain', 'Italy'])[1 + i % 4], 'Berlin',
                   (ARRAY['Web form', 'Referral', 'Trade show', 'Partner'])[1 + i % 4],
                   (ARRAY['new', 'contacted', 'qualified', 'unqualified'])[1 + i % 4], 0,
                   now() - (i % 300) * interval '1 day', now() - (i % 300) * interval '1 day'
            FROM generate_series(1, :n) i"""), {"n": leads})


def vacuum(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE leads"))


def timed_sql(engine: Engine, sql: str) -> tuple[float, int]:
    start = time.perf_counter()
    with engine.begin() as conn:
        rows = conn.execute(text(sql)).rowcount
    return time.perf_counter() - start, int(rows)


def timed_job(engine: Engine, key: str, params: dict[str, object]) -> tuple[float, int]:
    start = time.perf_counter()
    run_id = enqueue(engine, key, params, workspace=1, initiated_by="bench")
    record = claim(engine, "bench", run_id)
    assert record is not None
    status = execute(engine, record, "bench")
    elapsed = time.perf_counter() - start
    assert status is RunStatus.COMPLETED, status
    with engine.connect() as conn:
        processed = conn.execute(text("SELECT processed FROM job_runs WHERE id = :id"), {"id": run_id}).scalar_one()
    return elapsed, int(processed)


def compare(engine: Engine, name: str, reset: str, hand: str, job: str, params: dict[str, object],
            rounds: int) -> None:
    best_sql = best_job = float("inf")
    for _ in range(rounds):
        for which in ("sql", "job"):
            timed_sql(engine, reset)
            vacuum(engine)
            if which == "sql":
                seconds, rows = timed_sql(engine, hand)
                best_sql = min(best_sql, seconds)
            else:
                seconds, rows = timed_job(engine, job, params)
                best_job = min(best_job, seconds)
            print(f"  {name:<12} {which:<4} {rows:>9,} rows in {seconds:6.2f} s = {rows / seconds:>9,.0f} rows/s", flush=True)
    print(f"{name}: job {rows / best_job:,.0f} rows/s, single UPDATE {rows / best_sql:,.0f} rows/s, "
          f"job takes {best_job / best_sql:.2f}x the limit (aim: within 1.5x)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with PgServer(parent_dir=Path("/tmp")) as pg:
        url = pg.url("postgres")
        upgrade(url)
        engine = make_engine(url)
        start = time.perf_counter()
        populate(engine, args.leads)
        vacuum(engine)
        print(f"{args.leads:,} leads ready in {time.perf_counter() - start:.1f} s", flush=True)
        compare(engine, "re-score", RESET_SCORES, HAND_RESCORE, "rescore", {}, args.rounds)
        compare(engine, "bulk update", RESET_SOURCE, HAND_UPDATE, "bulk_update",
                {"module": "leads", "changes": ["source=Partner"]}, args.rounds)
        engine.dispose()


if __name__ == "__main__":
    main()
