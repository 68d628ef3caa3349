"""Charts deleted while the window stays open must not crash it later.

The crash: pyqtgraph's reference cycles (with Python-owned menus and control panels) were
collected by Python's cycle collector on whichever thread allocated at the time — a worker,
query or live-feed thread — so those QWidgets were destroyed there, their timers stayed
registered with the GUI thread, and a later timer tick hit freed memory (segfault). The
console now collects only on the GUI thread (ui/collector.py).
"""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QDialog, QVBoxLayout
from shiboken6 import isValid

from app.engine.runs import enqueue
from tests.console.helpers import wait_loaded
from ui import collector
from ui.dashboard.charts import LiveThroughput, StatusBars
from ui.detail.charts import RunCharts
from ui.history_model import ID_ROLE
from ui.pages import dialogs


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _churn_on_another_thread() -> list[str]:
    """Allocate enough cyclic garbage on a plain thread to trigger automatic collections
    there (as the console's worker threads do); return the threads that collected charts."""
    collected_on: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["collected"]:
            collected_on.append(threading.current_thread().name)

    def churn() -> None:
        for _ in range(50_000):
            _Cycle()

    gc.callbacks.append(note)
    try:
        thread = threading.Thread(target=churn, name="churn")
        thread.start()
        thread.join()
    finally:
        gc.callbacks.remove(note)
    return collected_on


def chart_window() -> weakref.ref:  # type: ignore[type-arg]
    """A top-level window of charts, shown, closed and let go — owned by Python and kept in a
    reference cycle, as a real window is (its slots and lambdas refer back to it)."""
    window = QDialog()
    window.cycle = window  # type: ignore[attr-defined]
    charts = RunCharts()
    layout = QVBoxLayout(window)
    layout.addWidget(charts)
    layout.addWidget(StatusBars())
    layout.addWidget(LiveThroughput())
    window.show()
    for second in range(5):
        charts.add_sample(float(second), {"processed": second * 10, "created": second, "updated": 0,
                                          "skipped": 0, "failed": 0})
    window.close()
    return weakref.ref(window)


def test_deleted_charts_are_collected_on_the_gui_thread_only(qtbot, make_window) -> None:
    window = make_window()
    assert collector.installed()
    charts = chart_window()
    assert charts() is not None and isValid(charts()), "only the collector frees a window in a cycle"
    assert "churn" not in _churn_on_another_thread()
    assert charts() is not None, "another thread must never collect (and so destroy) the charts"
    qtbot.waitUntil(lambda: charts() is None, timeout=5000)  # the GUI thread's timer collects them
    assert window.isVisible()


def test_many_runs_pages_and_dialogs_in_turn_with_a_job_running(qtbot, make_window, console_engine) -> None:
    """The person's version: runs opened one after another in the detail pane (its charts
    reset and redrawn), pages switched, dialogs opened and closed, while a job runs."""
    window = make_window(workers=1)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    running = enqueue(console_engine, "rebuild_search_index", {"force": True}, initiated_by="tester")
    ids = [running] + [page.model.index(row, 0).data(ID_ROLE) or 0 for row in range(8)]
    for index, run_id in enumerate(i for i in ids if i):
        with qtbot.waitSignal(page.detail.loaded, timeout=10000):
            page.open_run(int(run_id))
        window.show_page(("dashboard", "schedules", "settings", "batch_jobs")[index % 4])
        window.show_page("batch_jobs")
    for spec in dialogs():
        for _ in range(2):
            dialog = window.open_dialog(spec.key)
            qtbot.waitExposed(dialog)
            dialog.close()
            qtbot.waitUntil(lambda d=dialog: not isValid(d))
    charts = chart_window()
    _churn_on_another_thread()
    qtbot.waitUntil(lambda: charts() is None, timeout=5000)
    # the window still works: the job runs to its end and the pane follows it
    with qtbot.waitSignal(page.detail.loaded, timeout=10000):
        page.open_run(running)
    qtbot.waitUntil(lambda: page.detail.detail is not None and page.detail.detail.run.status.finished, timeout=30000)
