"""The daily scheduler makes one run per job, workspace and day — however many ask."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from app.clock import today
from app.db import tables
from app.engine.scheduler import enqueue_due
from tests.engine_support import add_finished_runs, add_workspace, spawn_cli


def _scheduled(engine) -> list[tuple[str, int | None, dt.date, str]]:  # type: ignore[no-untyped-def]
    t = tables.job_runs
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.type, t.c.workspace_id, t.c.run_date, t.c.status).where(t.c.schedule_key.is_not(None)))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_enqueue_due_is_idempotent_and_records_skips(engine):
    add_workspace(engine)
    first = enqueue_due(engine)
    assert not any(t == "retention_cleanup" for t, *_ in _scheduled(engine)), "nothing is past retention yet"
    with engine.connect() as conn:
        decisions = conn.execute(select(tables.schedule_decisions.c.job_type, tables.schedule_decisions.c.decision)).all()
    assert ("retention_cleanup", "skipped") in [tuple(d) for d in decisions]
    add_finished_runs(engine, 3, days_ago=120)
    second = enqueue_due(engine)
    assert second and not set(first) & set(second)
    assert enqueue_due(engine) == [], "a second pass on the same day adds nothing"
    keys = Counter((t, w, d) for t, w, d, _ in _scheduled(engine))
    assert keys[("retention_cleanup", None, today())] == 1


def test_a_future_run_date_gets_its_own_run(engine):
    add_finished_runs(engine, 2, days_ago=200)
    enqueue_due(engine)
    later = today() + dt.timedelta(days=3)
    enqueue_due(engine, later)
    dates = sorted(d for t, _, d, _ in _scheduled(engine) if t == "retention_cleanup")
    assert dates == [today(), later]


def test_five_workers_started_at_once_make_one_run_per_job_workspace_and_day(engine, db_url, cli):
    """Five `worker --once` processes started together (each runs the scheduler, then works
    the queue until it is empty) make exactly one run per job, workspace and day, and those
    runs end well. Under a loaded machine the processes take long to start (each imports
    the whole app), so the wait is generous; and on failure the runs' own story is shown."""
    add_workspace(engine, "north")
    add_workspace(engine, "south")
    add_finished_runs(engine, 5, days_ago=150)
    procs = [spawn_cli(cli, db_url, "worker", "--once", "--concurrency", "2") for _ in range(5)]
    outcomes: list[tuple[int, str]] = []
    try:
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            outcomes.append((proc.returncode, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    scheduled = _scheduled(engine)
    story = _story(engine)
    assert all(code == 0 for code, _ in outcomes), (outcomes, story)
    keys = Counter((t, w, d) for t, w, d, _ in scheduled)
    assert keys and max(keys.values()) == 1, (keys, story)
    assert ("retention_cleanup", None, today()) in keys
    assert {status for *_, status in scheduled} <= {"completed", "warning"}, story


def _story(engine) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    """Each scheduled run with its status, worker, error and log lines: what a failure shows."""
    t, logs = tables.job_runs, tables.job_logs
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.id, t.c.type, t.c.status, t.c.worker, t.c.error).where(t.c.schedule_key.is_not(None)))
        return [(*row, [m for m in conn.execute(select(logs.c.message).where(logs.c.run_id == row.id)
                                                .order_by(logs.c.id)).scalars()]) for row in rows.all()]
