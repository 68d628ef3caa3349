"""The life of a run on both backends: enqueue, claim, execute, statuses, cancel, replay."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from app.db import tables
from app.engine import history, runs
from app.engine.records import COUNTER_NAMES
from app.engine.status import RunStatus
from app.engine.worker import Worker
from tests.engine_support import add_workspace, busy_writer


def test_run_is_claimed_executed_and_recorded(engine):
    ws = add_workspace(engine)
    run_id = runs.enqueue(engine, "rebuild_search_index", {"modules": ["leads"]}, workspace="main", initiated_by="ann")
    queued = runs.get_run(engine, run_id)
    assert (queued.status, queued.workspace_id, queued.initiated_by) == (RunStatus.PENDING, ws, "ann")
    assert Worker(engine, "w1").run_once()
    done = runs.get_run(engine, run_id)
    assert done.status is RunStatus.COMPLETED
    assert done.worker == "w1" and done.started_at and done.finished_at and done.processed == 1
    messages = [line["message"] for line in history.log_lines(engine, run_id)]
    assert messages[0].startswith("Queued by ann") and any(m.startswith("Started on w1") for m in messages)
    assert messages[-1].startswith("Completed:")
    assert not Worker(engine, "w1").run_once(), "the queue is empty now"


def test_run_json_has_every_field_the_spec_lists(engine):
    add_workspace(engine)
    run_id = runs.enqueue(engine, "rebuild_search_index", {}, workspace="main")
    Worker(engine, "w").run_once()
    data = runs.run_json(engine, run_id)
    for key in ("id", "type", "module", "workspace", "status", "run_date", "params", "file_name", "initiated_by",
                "replay_of", "queued_at", "started_at", "finished_at", "error", "errors_count", "counters", "artifacts"):
        assert key in data, key
    assert set(COUNTER_NAMES) <= set(data["counters"])
    assert data["workspace"] == "main" and data["status"] == "completed"
    assert data["params"]["modules"] == ["leads", "contacts", "accounts"], "defaults are stored with the run"


def test_bad_options_and_unknown_workspace_are_refused(engine):
    with pytest.raises(runs.OptionsError, match="modules"):
        runs.enqueue(engine, "rebuild_search_index", {"modules": ["planets"]})
    with pytest.raises(runs.OptionsError, match="unknown workspace"):
        runs.enqueue(engine, "rebuild_search_index", {}, workspace="nowhere")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.job_runs)).scalar_one() == 0


def test_failing_job_ends_failed_with_message_and_traceback(engine):
    ws = add_workspace(engine)
    run_id = runs.enqueue(engine, "rebuild_search_index", {"modules": ["leads"]}, workspace=ws)
    with engine.begin() as conn:  # a table the job needs is gone: a real fatal error
        conn.exec_driver_sql("DROP TABLE search_documents")
    Worker(engine, "w").run_once()
    run = runs.get_run(engine, run_id)
    assert run.status is RunStatus.FAILED and run.error and "search_documents" in run.error
    lines = history.log_lines(engine, run_id)
    assert any(line["level"] == "error" and "Traceback" in line["message"] for line in lines)
    assert lines[-1]["message"] == f"Failed: {run.error}"  # the log ends with the error the summary shows
    assert sum(line["message"].startswith("Failed:") for line in lines) == 1


def test_a_run_finished_as_failed_ends_its_log_with_the_error_once(engine):
    """Whoever ends a run as failed (a console's worker, a tool), its log says why last."""
    run_id = runs.enqueue(engine, "retention_cleanup", {})
    assert runs.claim(engine, "w") is not None
    assert runs.finish(engine, run_id, RunStatus.FAILED, error="SMTPError: relay refused")
    lines = history.log_lines(engine, run_id)
    assert (lines[-1]["level"], lines[-1]["message"]) == ("error", "Failed: SMTPError: relay refused")
    assert [line["message"] for line in lines].count("Failed: SMTPError: relay refused") == 1


def test_cancel_of_a_queued_run_stops_it_at_once(engine):
    run_id = runs.enqueue(engine, "retention_cleanup", {})
    assert runs.request_cancel(engine, run_id, by="bob") is RunStatus.STOPPED
    assert not Worker(engine, "w").run_once()
    assert runs.request_cancel(engine, run_id) is RunStatus.STOPPED, "cancelling twice is harmless"


def test_cancel_flag_reaches_a_running_job_within_a_second(engine):
    """The heartbeat brings the database's cancel flag to the job (end-to-end cancels of long
    jobs are tested with the import and bulk jobs)."""
    from app.engine.context import JobContext
    from app.engine.executor import Heartbeat
    from app.engine.registry import get_job_type

    run_id = runs.enqueue(engine, "retention_cleanup", {})
    record = runs.claim(engine, "w")
    assert record is not None and record.id == run_id
    job = get_job_type(record.type)
    ctx = JobContext(engine, record, job, job.parse_options(record.params), "w")
    heartbeat = Heartbeat(engine, ctx)
    heartbeat.start()
    try:
        asked = time.monotonic()
        assert runs.request_cancel(engine, run_id) is RunStatus.STARTED
        assert ctx.cancel_event.wait(1.0), "cancel did not reach the job within a second"
        assert time.monotonic() - asked < 1.0
        assert ctx.should_stop()
    finally:
        heartbeat.stop()


def test_heartbeat_notices_a_run_taken_over_by_recovery(engine):
    from app.engine.context import JobContext, RunLost
    from app.engine.executor import Heartbeat
    from app.engine.recovery import recover_orphans
    from app.engine.registry import get_job_type

    runs.enqueue(engine, "retention_cleanup", {})
    record = runs.claim(engine, "w")
    assert record is not None
    job = get_job_type(record.type)
    ctx = JobContext(engine, record, job, job.parse_options(record.params), "w")
    with engine.begin() as conn:  # the worker looks dead: its last heartbeat is old
        conn.execute(tables.job_runs.update().values(heartbeat_at=record.started_at - dt.timedelta(minutes=5)))
    assert recover_orphans(engine, lease_seconds=10) == [record.id]
    Heartbeat(engine, ctx).beat()
    with pytest.raises(RunLost):
        ctx.check_stop()
    assert not runs.finish(engine, record.id, RunStatus.COMPLETED, worker="w"), "a lost run is not ours to finish"


def test_replay_copies_parameters_and_links_to_the_original(engine):
    add_workspace(engine)
    original = runs.enqueue(engine, "rebuild_search_index", {"modules": ["accounts"], "force": True}, workspace="main")
    Worker(engine, "w").run_once()
    other_day = dt.date(2030, 1, 15)
    copy = runs.replay(engine, original, run_date=other_day, initiated_by="carla")
    replayed = runs.get_run(engine, copy)
    assert replayed.replay_of == original and replayed.run_date == other_day and replayed.initiated_by == "carla"
    assert replayed.params == runs.get_run(engine, original).params
    Worker(engine, "w").run_once()
    assert runs.get_run(engine, copy).status is RunStatus.COMPLETED


def test_history_filters_sort_and_text_search(engine):
    add_workspace(engine)
    first = runs.enqueue(engine, "rebuild_search_index", {"modules": ["accounts"]}, workspace="main", initiated_by="ann",
                         file_name="leads_march.csv")
    second = runs.enqueue(engine, "retention_cleanup", {"dry_run": True}, initiated_by="bob")
    runs.request_cancel(engine, second)
    assert history.run_ids(engine, history.RunFilter(statuses=[RunStatus.parse("Cancelled")])) == [second]
    assert history.run_ids(engine, history.RunFilter(users=["ann"])) == [first]
    assert history.run_ids(engine, history.RunFilter(text="MARCH")) == [first]
    assert history.run_ids(engine, history.RunFilter(text="accounts")) == [first], "parameters are searched"
    assert history.run_ids(engine, history.RunFilter(text="retention")) == [second]
    assert history.run_ids(engine, history.RunFilter(), sort="type", descending=False) == [first, second]
    assert history.count_runs(engine, history.RunFilter(types=["retention_cleanup"])) == 1


def test_cancel_waits_for_a_busy_writer_instead_of_failing(engine):
    """A read-then-write (cancel) while another connection holds a write transaction must
    wait for it, not fail with 'database is locked' (SQLite's lock upgrade rule)."""
    run_id = runs.enqueue(engine, "retention_cleanup", {})
    runs.claim(engine, "w")
    with busy_writer(engine, run_id, 0.3):
        assert runs.request_cancel(engine, run_id) is RunStatus.STARTED
    assert runs.get_run(engine, run_id).cancel_requested


def test_finish_writes_status_counters_result_logs_and_row_errors_at_once(engine):
    from app.engine.records import RunWrites

    run_id = runs.enqueue(engine, "retention_cleanup", {})
    assert runs.claim(engine, "w") is not None
    now = runs.utcnow()
    writes = RunWrites(
        counters={"total": 3, "processed": 3, "created": 1, "updated": 0, "skipped": 1, "failed": 1, "errors_count": 2},
        logs=[{"run_id": run_id, "at": now, "level": "info", "message": "first"},
              {"run_id": run_id, "at": now, "level": "warning", "message": "second, with 'quotes' and ünïcode"}],
        row_errors=[{"run_id": run_id, "row_number": 7, "field": "email", "message": "not an email", "raw": {"email": "x"}},
                    {"run_id": run_id, "row_number": None, "field": None, "message": "whole file", "raw": None}],
    )
    assert runs.finish(engine, run_id, RunStatus.WARNING, result={"kept": [1, 2]}, worker="w", writes=writes)
    run = runs.get_run(engine, run_id)
    assert (run.status, run.total, run.processed, run.skipped, run.failed, run.errors_count) == (
        RunStatus.WARNING, 3, 3, 1, 1, 2)
    assert run.result == {"kept": [1, 2]} and run.finished_at is not None
    lines = history.log_lines(engine, run_id)
    assert [line["message"] for line in lines][-2:] == ["first", "second, with 'quotes' and ünïcode"]
    assert lines[-1]["level"] == "warning"
    errors = history.row_errors(engine, run_id)
    assert sorted((e["message"], e["row_number"], e["field"]) for e in errors) == [
        ("not an email", 7, "email"), ("whole file", None, None)]
    assert any(e["raw"] == {"email": "x"} for e in errors)
    assert not runs.finish(engine, run_id, RunStatus.COMPLETED, worker="w"), "a finished run is not finished twice"


def test_a_busy_worker_claims_the_next_run_with_the_finish_and_hands_it_back_on_stop(engine):
    first, second, third = (runs.enqueue(engine, "retention_cleanup", {}) for _ in range(3))
    worker = Worker(engine, "w")
    finished: list[int] = []

    def after(run_id: int, _status: RunStatus | None) -> None:
        finished.append(run_id)
        if len(finished) == 2:
            worker.stop_event.set()  # the second finish already claimed the third run

    worker.on_finished = after
    worker.loop(until_empty=True)
    assert finished == [first, second]
    assert [runs.get_run(engine, i).status for i in (first, second)] == [RunStatus.COMPLETED] * 2
    handed_back = runs.get_run(engine, third)
    assert (handed_back.status, handed_back.worker, handed_back.attempts) == (RunStatus.PENDING, None, 0)
    assert "stopping before it began" in history.log_lines(engine, third)[-1]["message"]
    Worker(engine, "w2").loop(until_empty=True)
    again = runs.get_run(engine, third)
    assert again.status is RunStatus.COMPLETED and again.attempts == 1


def test_a_worker_thread_keeps_its_own_connection_and_falls_back_to_the_pool(engine):
    from app.engine import pg_queue

    first, second = (runs.enqueue(engine, "retention_cleanup", {}) for _ in range(2))
    with pg_queue.dedicated(engine):
        assert (claimed := runs.claim(engine, "w")) is not None and claimed.id == first
        held = getattr(pg_queue._thread, "held", None)
        if engine.dialect.name == "postgresql":
            assert held is not None and held[0] is engine
            held[1].close()  # a dropped connection: the pool serves instead
        assert (claimed := runs.claim(engine, "w")) is not None and claimed.id == second
    assert getattr(pg_queue._thread, "held", None) is None


def test_a_worker_is_ready_once_it_has_worked_off_the_queue(engine):
    """`ready` is what the console's bench waits on before it calls the workers idle."""
    first = runs.enqueue(engine, "retention_cleanup", {})
    worker = Worker(engine, "w")
    seen_while_running: list[bool] = []
    worker.on_finished = lambda _run_id, _status: seen_while_running.append(worker.ready.is_set())
    assert not worker.ready.is_set()
    worker.loop(until_empty=True)
    assert seen_while_running == [False], "not ready while it still had work"
    assert worker.ready.is_set()
    assert runs.get_run(engine, first).status is RunStatus.COMPLETED


def test_the_workers_of_a_process_share_one_heartbeat_that_beats_for_every_run(engine):
    """One statement a beat for all of a process's runs (twenty workers wrote 40 a second):
    each run's stamp moves, a cancel reaches only its own run, and the last worker to hand
    the heartbeat back stops it."""
    from app.engine.context import JobContext
    from app.engine.executor import release_heartbeat, shared_heartbeat
    from app.engine.registry import get_job_type

    contexts = []
    for worker in ("w1", "w2"):
        runs.enqueue(engine, "retention_cleanup", {})
        record = runs.claim(engine, worker)
        assert record is not None
        job = get_job_type(record.type)
        contexts.append(JobContext(engine, record, job, job.parse_options(record.params), worker))
    with engine.begin() as conn:
        conn.execute(tables.job_runs.update().values(heartbeat_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    first, second = shared_heartbeat(engine), shared_heartbeat(engine)
    assert first is second and first.is_alive()
    try:
        for ctx in contexts:
            first.watch(ctx)
        assert runs.request_cancel(engine, contexts[1].run_id) is RunStatus.STARTED
        first.beat()
        stamps = [runs.get_run(engine, ctx.run_id).heartbeat_at for ctx in contexts]
        assert all(stamp is not None and stamp.year > 2020 for stamp in stamps)
        assert not contexts[0].should_stop() and contexts[1].cancel_event.is_set()
    finally:
        release_heartbeat(first)
        assert first.is_alive(), "one worker still uses it"
        release_heartbeat(second)
    assert not first.is_alive()
    again = shared_heartbeat(engine)
    try:
        assert again is not first and again.is_alive(), "a stopped heartbeat is not handed out again"
    finally:
        release_heartbeat(again)


def test_a_snapshot_counts_seconds_from_the_start_its_row_records(engine):
    """A console charts a run from its row (updated_at - started_at, the worker's stamps) and,
    when it runs the run itself, from snapshots: both on one time line, so a snapshot taken
    before a flush is no later than the row that flush wrote, and one taken after no earlier
    (a context that counted from its own creation put snapshots behind the row)."""
    import dataclasses

    from app.engine.context import JobContext
    from app.engine.registry import get_job_type

    runs.enqueue(engine, "retention_cleanup", {})
    record = runs.claim(engine, "w")
    assert record is not None and record.started_at is not None
    started = record.started_at - dt.timedelta(seconds=3)  # claimed a while before the job began
    with engine.begin() as conn:
        conn.execute(tables.job_runs.update().where(tables.job_runs.c.id == record.id).values(started_at=started))
    job = get_job_type(record.type)
    ctx = JobContext(engine, dataclasses.replace(record, started_at=started), job, job.parse_options(record.params), "w")
    before = ctx.snapshot().elapsed
    ctx.count(processed=5)
    ctx.flush()
    after = ctx.snapshot().elapsed
    row = runs.get_run(engine, record.id)
    assert row.started_at == started
    written = (row.updated_at - started).total_seconds()
    assert 3.0 <= before <= written <= after
