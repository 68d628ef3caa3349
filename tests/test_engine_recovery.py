"""A worker that dies (SIGKILL) leaves no run behind in `started`: another worker's lease
check ends it with a log line that says why."""

from __future__ import annotations

import signal
import subprocess

from app.engine import history, runs
from app.engine.status import RunStatus
from tests.engine_support import add_workspace, bulk_leads, busy_writer, spawn_cli, wait_status


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_run_of_a_killed_worker_is_recovered_by_another(engine, db_url, cli):
    ws = add_workspace(engine)
    bulk_leads(engine, ws, 300_000)
    run_id = runs.enqueue(engine, "rebuild_search_index", {"modules": ["leads"], "force": True}, workspace=ws)
    doomed = spawn_cli(cli, db_url, "worker", "--concurrency", "1")
    try:
        started = wait_status(engine, run_id, lambda r: r.status is not RunStatus.PENDING, timeout=60)
        assert started.status is RunStatus.STARTED, f"the job ended before the kill: {started.status}"
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
    finally:
        _stop(doomed)
    assert runs.get_run(engine, run_id).status is RunStatus.STARTED, "nobody has noticed yet"
    rescuer = spawn_cli(cli, db_url, "worker", "--concurrency", "1")
    try:
        recovered = wait_status(engine, run_id, lambda r: r.status is not RunStatus.STARTED, timeout=30)
    finally:
        _stop(rescuer)
    assert recovered.status is RunStatus.FAILED
    assert recovered.error and "stopped responding" in recovered.error
    last = history.log_lines(engine, run_id)[-1]
    assert last["level"] == "error" and started.worker and started.worker in last["message"]
    assert last["message"] == f"Failed: {recovered.error}"  # the log ends with the summary's error


def test_a_claim_that_waited_for_the_database_is_not_taken_for_an_orphan(engine):
    """The five-schedulers test failed now and then on a loaded machine: on SQLite a claim
    (and a heartbeat) stamped its time before waiting for the write lock, so a run claimed
    after a long wait looked abandoned to another worker's lease check at once."""
    from app.engine.recovery import recover_orphans

    run_id = runs.enqueue(engine, "retention_cleanup", {})
    other = runs.enqueue(engine, "retention_cleanup", {})
    with busy_writer(engine, other, 1.5):  # longer than the lease used below
        claimed = runs.claim(engine, "w", run_id)  # SQLite: waits for the writer; PostgreSQL: need not
        orphans = recover_orphans(engine, lease_seconds=1.0)
    assert claimed is not None and claimed.id == run_id
    assert orphans == [], "a run claimed just now is not an orphan"
    assert runs.get_run(engine, run_id).status is RunStatus.STARTED
