"""The local worker count changes live, and shrinking never blocks the GUI thread."""

from __future__ import annotations

from pathlib import Path

from app.api.runs import cancel_runs
from app.engine import history
from app.engine.history import RunFilter
from app.engine.status import RunStatus


def test_worker_count_grows_and_shrinks_live(make_window, console_engine, qtbot) -> None:
    # an idle queue: the demo's queued runs would keep retiring workers busy for a while
    queued = history.run_ids(console_engine, RunFilter(statuses=[RunStatus.PENDING]), limit=1000)
    cancel_runs(console_engine, queued)
    window = make_window(workers=1)
    console = window.console
    console.set_worker_count(3)
    assert console.workers.count == 3 and all(t.isRunning() for t in console.workers.threads)
    assert window.workers_label.text().startswith("Local workers: 3 ·")
    console.set_worker_count(1)  # returns at once; the two extra workers end on their own
    assert console.workers.count == 1
    qtbot.waitUntil(lambda: not console.workers.retiring, timeout=10000)
    assert window.workers_label.text().startswith("Local workers: 1 ·")
    assert console.worker_count() == 1  # remembered for the next start


def test_settings_move_local_jobs_into_worker_processes(make_window, console_engine, qtbot) -> None:
    from PySide6.QtCore import Qt

    from ui.worker_process import ProcessWorkerThread

    queued = history.run_ids(console_engine, RunFilter(statuses=[RunStatus.PENDING]), limit=1000)
    cancel_runs(console_engine, queued)
    window = make_window(workers=1)
    console = window.console
    card = window.show_page("settings").workers
    assert card.mode.currentData() == "threads"  # the default
    card.count.setValue(1)
    card.mode.setCurrentIndex(card.mode.findData("processes"))
    qtbot.mouseClick(card.apply, Qt.MouseButton.LeftButton)
    assert console.worker_mode() == "processes" and console.workers.count == 1
    worker = console.workers.threads[0]
    assert isinstance(worker, ProcessWorkerThread)
    qtbot.waitUntil(lambda: bool(worker.name) and not console.workers.retiring, timeout=30000)
    assert worker.name.split(":")[1] == str(worker.pid)  # a worker named after its own process
    assert window.workers_label.text() == "Local workers: 1 · 0 busy · in processes"
    window.close_with("cancel")
    assert not worker.isRunning() and not Path(f"/proc/{worker.pid}").exists()
