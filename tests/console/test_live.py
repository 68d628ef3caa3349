"""Runs started elsewhere appear and progress live; closing with running jobs asks first."""

from __future__ import annotations

import threading

from app.db.engine import make_engine
from app.engine.runs import enqueue, get_run
from app.engine.status import RunStatus
from app.engine.worker import WorkerPool
from tests.console.helpers import PauseAfterFirstBatch, add_old_runs, answer_next_modal, wait_loaded
from ui.history_model import RUN_ROLE


def test_runs_from_another_process_appear_and_finish_live(make_window, console_engine, demo_db_url, qtbot) -> None:
    window = make_window(workers=0)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    before = page.model.total
    other = make_engine(demo_db_url)  # another console's connection to the shared database
    try:
        run_id = enqueue(other, "rebuild_search_index", {}, initiated_by="someone.else")
        qtbot.waitUntil(lambda: page.model.row_of(run_id) == 0 and page.model.total == before + 1, timeout=10000)
        assert page.model.index(0, 0).data(RUN_ROLE).status is RunStatus.PENDING
        pool = WorkerPool(other, 1)
        pool.start(until_empty=True)
        pool.join()
    finally:
        other.dispose()
    qtbot.waitUntil(lambda: page.model.index(0, 0).data(RUN_ROLE).status is RunStatus.COMPLETED, timeout=10000)
    assert page.model.index(0, 0).data() == str(run_id)


def test_closing_with_a_running_job_can_leave_it_for_another_worker(make_window, console_engine, qtbot,
                                                                    monkeypatch) -> None:
    add_old_runs(console_engine)
    pause = PauseAfterFirstBatch(monkeypatch, "retention_cleanup")  # it waits mid-run until the question is answered
    try:
        window = make_window(workers=1)
        run_id = enqueue(console_engine, "retention_cleanup", {})
        # the demo queue holds older runs that the worker takes first: wait for ours
        qtbot.waitUntil(lambda: window.console.workers.context_for(run_id) is not None, timeout=60000)
        qtbot.waitUntil(lambda: (snap := window.console.workers.snapshots().get(run_id)) is not None
                        and snap.processed > 0, timeout=30000)
        slots = list(window.console.workers.threads)
        asked = answer_next_modal(qtbot, "close-release", then=lambda _box: pause.release())
        assert window.close()
    finally:
        pause.release()
    assert asked == ["CloseRunningDialog"]
    assert window.console.workers.count == 0 and not window.console.feed.isRunning()
    assert not any(s.isRunning() for s in slots)
    assert not any(t.name.startswith("heartbeat-") for t in threading.enumerate())
    run = get_run(console_engine, run_id)
    assert run.status is RunStatus.PENDING and run.worker is None  # queued again for another worker
