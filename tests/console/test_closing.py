"""Closing the window while its workers run jobs: the question is answered with real clicks,
and whatever the answer, no worker thread, child process or console thread is left behind.
(Leaving the run for another worker is in test_live.py.) With worker processes, a child that
dies is replaced, and orphan recovery ends its run."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from app.engine.recovery import recover_orphans
from app.engine.runs import enqueue, get_run
from app.engine.status import RunStatus
from tests.console.helpers import PauseAfterFirstBatch, WriteGate, add_old_runs, answer_next_modal


def start_long_job(qtbot, make_window, engine, mode: str = "threads"):  # type: ignore[no-untyped-def]
    """A window with one local worker executing a retention clean-up of ~27,000 runs."""
    added = add_old_runs(engine)
    window = make_window(workers=1, mode=mode)
    run_id = enqueue(engine, "retention_cleanup", {})
    workers = window.console.workers
    # the demo queue holds older runs that the worker takes first: wait for ours, under way
    qtbot.waitUntil(lambda: (snap := workers.snapshots().get(run_id)) is not None and snap.processed > 0,
                    timeout=60000)
    return window, run_id, added


def assert_all_ended(window, slots) -> None:  # type: ignore[no-untyped-def]
    console = window.console
    assert not window.isVisible()
    assert console.workers.count == 0 and not console.workers.retiring
    assert not any(s.isRunning() for s in slots)
    for pid in [getattr(s, "pid", 0) for s in slots]:
        assert not pid or not Path(f"/proc/{pid}").exists()  # ended and reaped: no orphan, no zombie
    assert not any(t.name.startswith("heartbeat-") for t in threading.enumerate())
    assert not console.feed.isRunning()
    assert all(not b._thread.isRunning() for b in console._backgrounds)


def test_closing_can_wait_for_running_jobs_to_finish(make_window, console_engine, qtbot, monkeypatch) -> None:
    pause = PauseAfterFirstBatch(monkeypatch, "retention_cleanup")  # still running when the question comes
    try:
        window, run_id, added = start_long_job(qtbot, make_window, console_engine)
        slots = list(window.console.workers.threads)
        asked = answer_next_modal(qtbot, "close-wait", then=lambda _box: pause.release())
        assert not window.close()  # not yet: the window stays until the job has finished
        assert asked == ["CloseRunningDialog"]
        assert window.isVisible() and "Waiting for the running jobs" in window.statusBar().currentMessage()
        assert window.console.workers.context_for(run_id) is not None
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=60000)  # then it closes by itself
    finally:
        pause.release()
    run = get_run(console_engine, run_id)
    assert run.status is RunStatus.COMPLETED and run.processed == added
    assert_all_ended(window, slots)


def test_closing_can_cancel_jobs_running_in_worker_processes(make_window, console_engine, qtbot) -> None:
    window, run_id, added = start_long_job(qtbot, make_window, console_engine, mode="processes")
    slots = list(window.console.workers.threads)
    gate = WriteGate(console_engine)
    asked = answer_next_modal(qtbot, "close-cancel", then=lambda _box: gate.release())
    assert window.close()
    assert asked == ["CloseRunningDialog"]
    run = get_run(console_engine, run_id)
    assert run.status is RunStatus.STOPPED
    assert 0 < run.processed < added  # what it did stays done
    assert_all_ended(window, slots)


def test_a_killed_worker_process_is_replaced_and_its_run_recovered(make_window, console_engine, qtbot) -> None:
    window, run_id, _added = start_long_job(qtbot, make_window, console_engine, mode="processes")
    workers = window.console.workers
    pid = workers.threads[0].pid
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: workers.context_for(run_id) is None)
    qtbot.waitUntil(lambda: workers.count == 1 and workers.threads[0].pid not in (0, pid)
                    and bool(workers.threads[0].name), timeout=30000)  # a new worker process took its place
    assert not workers.retiring and not Path(f"/proc/{pid}").exists()
    assert window.workers_label.text().startswith("Local workers: 1 ·")
    # the run's heartbeat has stopped: the engine's orphan recovery ends it (a short lease here)
    qtbot.waitUntil(lambda: run_id in recover_orphans(console_engine, lease_seconds=1.0), timeout=30000)
    run = get_run(console_engine, run_id)
    assert run.status is RunStatus.FAILED and "stopped responding" in (run.error or "")
