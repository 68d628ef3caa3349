"""The window's shell: status bar, embedded workers running a real job, a clean close."""

from __future__ import annotations

from app.engine.runs import enqueue, get_run
from app.engine.status import RunStatus


def test_status_bar_names_database_and_workers(make_window, console_engine) -> None:
    window = make_window(workers=2)
    backend = "PostgreSQL" if console_engine.dialect.name == "postgresql" else "SQLite"
    assert window.db_label.text().startswith(backend)
    assert "password" not in window.db_label.text()
    assert window.workers_label.text() == "Local workers: 2 · 0 busy"


def test_embedded_worker_runs_a_job_and_close_joins_threads(make_window, console_engine, qtbot) -> None:
    window = make_window(workers=1)
    ours: list[int] = []  # the demo queue may hold runs of its own: wait for this one
    with qtbot.waitSignal(window.console.workers.run_finished, timeout=30000,
                          check_params_cb=lambda run, _status: run in ours):
        ours.append(enqueue(console_engine, "rebuild_search_index", {}))
    run_id = ours[0]
    assert get_run(console_engine, run_id).status is RunStatus.COMPLETED
    assert window.close_with("wait")
    assert window.console.workers.count == 0
    assert not window.console.feed.isRunning()


def test_window_and_column_layout_are_remembered(make_window, qtbot) -> None:
    from ui.history_model import COL

    first = make_window()
    page = first.show_page("batch_jobs")
    header = page.table.horizontalHeader()
    header.moveSection(header.visualIndex(COL["status"]), 1)
    header.resizeSection(COL["file_name"], 321)
    first.showMaximized()  # (a size would be clamped to the offscreen screen's 800x800)
    first.show_page("settings")
    first.close_with("cancel")

    second = make_window()
    header = second.page_widgets["batch_jobs"].table.horizontalHeader()
    assert header.visualIndex(COL["status"]) == 1
    assert header.sectionSize(COL["file_name"]) == 321
    assert second.sidebar.currentItem().text() == "Settings"  # the page it was left on
    assert second.isMaximized()  # the window's geometry and state came back


def test_screenshot_mode_says_its_workers_are_not_started_where_settings_shows_the_saved_count(make_window,
                                                                                                 qtbot) -> None:
    from ui.app import start_for_screenshots

    window = make_window(start=start_for_screenshots)
    console, card = window.console, window.show_page("settings").workers
    assert console.workers.count == 0 and console.worker_count() == 2  # none run; two are saved
    assert card.count.value() == 2
    assert window.workers_label.text() == "Local workers: 0 of 2 · 0 busy · not started in screenshot mode"
    assert card.running.isVisible() and card.running.text() == ("0 running now: not started in screenshot mode. "
                                  "The saved 2 start with the console, or press Apply.")
    with qtbot.waitSignal(console.workers.changed):
        card.apply.click()  # applied: the saved count runs, and both say the same again
    assert window.workers_label.text() == "Local workers: 2 · 0 busy"
    assert card.status.text().startswith("✔ 2 local worker(s)") and not card.running.isVisible()
