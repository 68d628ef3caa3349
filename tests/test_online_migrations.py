"""Schema upgrades of a shared PostgreSQL database in use: migrations 0008 and 0009 build their
indexes CONCURRENTLY, so workers' writes to job_runs go on during the build (a plain CREATE INDEX
held them for its whole build: 97 s at 1M runs), and a rerun rebuilds an index that an
interrupted build left INVALID instead of skipping it or failing on its name."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text

from app.db.migrate import alembic_config, current_revision, head_revision, upgrade
from app.db.online_index import index_state

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "0007_console_type_file_sort"
#: each index of 0008 and 0009, and a word its definition must hold
INDEXES = {"ix_job_runs_search_trgm": "gin_trgm_ops", "ix_job_runs_search_grams": "job_runs_short_grams"}


def _run_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        ids = [int(i) for i in conn.execute(text("SELECT id FROM job_runs ORDER BY id LIMIT 2")).scalars()]
    assert len(ids) == 2, "the demo data holds runs"
    return ids


def _waiting_index_build(engine: Engine, proc: subprocess.Popen[str], timeout: float = 60.0) -> int:
    """Wait until the upgrade's index build waits for a lock (the open transaction); its pid."""
    deadline, stop = time.monotonic() + timeout, threading.Event()
    while True:
        with engine.connect() as conn:
            pid = conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE 'CREATE INDEX%'")).scalar()
        if pid is not None:
            return int(pid)
        if proc.poll() is not None:
            raise AssertionError(f"the upgrade ended ({proc.returncode}) without waiting: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError("the upgrade's index build never waited for the open transaction")
        stop.wait(0.02)


def _upgrade_process(url: str) -> subprocess.Popen[str]:
    script = f"from app.db.migrate import upgrade; upgrade({url!r})"
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True, stderr=subprocess.PIPE)


@contextmanager
def open_write(engine: Engine, run_id: int) -> Iterator[Connection]:
    """A transaction that has written a run and stays open (a worker's batch): CONCURRENTLY waits
    for it to end, a plain CREATE INDEX waits for its lock and queues every later writer behind."""
    with engine.connect() as conn:
        conn.begin()
        conn.execute(text("UPDATE job_runs SET heartbeat_at = now() WHERE id = :id"), {"id": run_id})
        try:
            yield conn
        finally:
            conn.rollback()


def test_progress_updates_go_on_while_the_upgrade_builds_its_indexes(demo_db_url: str, demo_engine: Engine) -> None:
    command.downgrade(alembic_config(demo_db_url), BEFORE)
    first, second = _run_ids(demo_engine)
    with open_write(demo_engine, first) as blocker:
        proc = _upgrade_process(demo_db_url)
        try:
            _waiting_index_build(demo_engine, proc)
            with demo_engine.connect() as writer:  # a worker's progress write, and a new run, meanwhile
                writer.execute(text("SET lock_timeout = '3s'"))
                writer.execute(text("UPDATE job_runs SET processed = processed + 1, updated_at = now() "
                                    "WHERE id = :id"), {"id": second})
                writer.execute(text(
                    "INSERT INTO job_runs (type, module, workspace_id, run_date, params, status, total, processed, "
                    "created, updated, skipped, failed, errors_count, queued_at, updated_at, cancel_requested, "
                    "attempts, archived) SELECT type, module, workspace_id, run_date, params, 'pending', 0, 0, 0, 0, "
                    "0, 0, 0, now(), now(), false, 0, false FROM job_runs WHERE id = :id"), {"id": second})
                writer.commit()
            assert proc.poll() is None, "the build still waits for the open transaction"
        finally:
            blocker.rollback()  # the worker's batch ends: the build goes on
            problems = proc.communicate(timeout=120)[1]
    assert proc.returncode == 0, problems[-3000:]
    assert current_revision(demo_engine) == head_revision()
    with demo_engine.connect() as conn:
        assert {name: index_state(conn, "job_runs", name) for name in INDEXES} == dict.fromkeys(INDEXES, True)


@pytest.mark.parametrize("start", [BEFORE, "0008_console_text_search"])
def test_an_upgrade_interrupted_in_its_index_build_succeeds_when_run_again(demo_db_url: str, demo_engine: Engine,
                                                                          start: str) -> None:
    """The build is cancelled (an operator's pg_cancel_backend, a lost connection) while it waits:
    its index stays INVALID, and 0009's function stays made; the rerun finds both."""
    command.downgrade(alembic_config(demo_db_url), start)
    building = "ix_job_runs_search_trgm" if start == BEFORE else "ix_job_runs_search_grams"
    with open_write(demo_engine, _run_ids(demo_engine)[0]):
        proc = _upgrade_process(demo_db_url)
        try:
            pid = _waiting_index_build(demo_engine, proc)
            with demo_engine.connect() as conn:
                assert conn.execute(text("SELECT pg_cancel_backend(:pid)"), {"pid": pid}).scalar()
        finally:
            problems = proc.communicate(timeout=120)[1]
    assert proc.returncode != 0 and "canceling statement" in problems, problems[-3000:]
    assert current_revision(demo_engine) == start
    with demo_engine.connect() as conn:
        assert index_state(conn, "job_runs", building) is False
    upgrade(demo_db_url)
    assert current_revision(demo_engine) == head_revision()
    with demo_engine.connect() as conn:
        for name, word in INDEXES.items():
            assert index_state(conn, "job_runs", name) is True
            definition = conn.execute(text("SELECT pg_get_indexdef(to_regclass(:n))"), {"n": name}).scalar()
            assert word in str(definition)
