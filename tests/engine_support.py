"""Small builders the engine tests share: workspaces, old runs, a worker in a thread."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, insert, select, update

from app.clock import utcnow
from app.db import tables
from app.engine.records import RunRecord
from app.engine.runs import get_run
from app.engine.worker import Worker


def add_workspace(engine: Engine, key: str = "main") -> int:
    with engine.begin() as conn:
        return int(conn.execute(insert(tables.workspaces).values(key=key, name=key.title(), created_at=utcnow())
                                .returning(tables.workspaces.c.id)).scalar_one())


def add_finished_runs(engine: Engine, count: int, *, days_ago: int, logs_per_run: int = 2) -> None:
    """Finished runs queued `days_ago` days back, each with log lines (history to archive)."""
    when = utcnow() - dt.timedelta(days=days_ago)
    rows = [dict(type="rebuild_search_index", module=None, workspace_id=None, run_date=when.date(), params={},
                 status="completed", total=1, processed=1, created=0, updated=0, skipped=0, failed=0, errors_count=0,
                 queued_at=when, started_at=when, finished_at=when, heartbeat_at=when, updated_at=when,
                 cancel_requested=False, attempts=1, archived=False) for _ in range(count)]
    with engine.begin() as conn:
        conn.execute(insert(tables.job_runs), rows)
        ids = conn.execute(select(tables.job_runs.c.id).where(tables.job_runs.c.queued_at == when)).scalars().all()
        conn.execute(insert(tables.job_logs), [dict(run_id=i, at=when, level="info", message=f"line {n}")
                                               for i in ids for n in range(logs_per_run)])


def wait_status(engine: Engine, run_id: int, predicate, timeout: float = 30.0) -> RunRecord:  # type: ignore[no-untyped-def]
    """Poll the run until predicate(run) holds; the database is the only shared truth here."""
    stop = threading.Event()
    deadline = utcnow() + dt.timedelta(seconds=timeout)
    while True:
        run = get_run(engine, run_id)
        if predicate(run):
            return run
        if utcnow() > deadline:
            raise AssertionError(f"run {run_id} stuck at {run.status} ({run.processed}/{run.total})")
        stop.wait(0.02)


@contextmanager
def busy_writer(engine: Engine, run_id: int, seconds: float) -> Iterator[None]:
    """Another connection holds a write transaction (on that run's row) for `seconds` while
    the block runs, as a busy process would; released and joined at the end."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.begin() as conn:
            conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id).values(processed=1))
            holding.set()
            release.wait(seconds + 5)

    writer = threading.Thread(target=hold, name="busy-writer")
    writer.start()
    assert holding.wait(5)
    timer = threading.Timer(seconds, release.set)
    timer.start()
    try:
        yield
    finally:
        release.set()
        writer.join()
        timer.cancel()
        timer.join()


@contextmanager
def worker_thread(engine: Engine, name: str = "test-worker") -> Iterator[Worker]:
    """A real worker loop in a thread, stopped and joined when the block ends."""
    worker = Worker(engine, name)
    thread = threading.Thread(target=worker.loop, name=f"worker-{name}", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop_event.set()
        thread.join(30)


def bulk_leads(engine: Engine, workspace_id: int, count: int) -> None:
    """Many leads made inside the database (fast): enough work to keep a job busy for seconds."""
    if engine.dialect.name == "postgresql":
        numbers = f"SELECT i FROM generate_series(1, {count}) AS g(i)"
        now, mod = "now()", "%%"  # psycopg reads a single % as a placeholder
    else:
        numbers = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) SELECT i FROM n"
        now, mod = "CURRENT_TIMESTAMP", "%"
    sql = (
        "INSERT INTO leads (workspace_id, first_name, last_name, email, company, city, country, status, score, "
        "created_at, updated_at) "
        f"SELECT {workspace_id}, 'First' || i, 'Last' || i, 'lead' || i || '@bulk.example', 'Company ' || (i {mod} 977), "
        f"'City ' || (i {mod} 101), 'Country ' || (i {mod} 17), 'new', 0, {now}, {now} FROM ({numbers}) AS nums"
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)


def spawn_cli(cli, db_url: str, *args: str):  # type: ignore[no-untyped-def]
    """Start `batchdesk --db URL ARGS` as a separate process (a real worker we can kill)."""
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "app.cli.main", "--db", db_url, *args], cwd=cli.home,
                            env=cli.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
