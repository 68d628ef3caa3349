"""Cancel a running job and replay a finished one, with real workers and real jobs."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from sqlalchemy import func, select

from app.db import tables
from app.engine.runs import enqueue, get_run
from app.engine.status import RunStatus
from tests.console.helpers import (
    PauseAfterFirstBatch,
    add_old_runs,
    answer_next_modal,
    click_row,
    wait_loaded,
)


def test_cancel_a_running_job_keeps_what_it_did(make_window, console_engine, qtbot, monkeypatch) -> None:
    added = add_old_runs(console_engine)
    assert added > 20000
    pause = PauseAfterFirstBatch(monkeypatch, "retention_cleanup")
    try:
        window = make_window(workers=1)
        page = window.show_page("batch_jobs")
        run_id = enqueue(console_engine, "retention_cleanup", {})
        window.console.open_run(run_id)
        pane = page.detail
        qtbot.waitUntil(pause.paused.is_set, timeout=60000)  # the demo queue's older runs go first
        qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.run.id == run_id
                        and pane.chip.text() == "Processing" and pane.summary.values["processed"].text() not in ("0", "—"),
                        timeout=30000)
        assert pane.buttons["cancel"].isEnabled()
        qtbot.waitUntil(lambda: window.workers_label.text() == "Local workers: 1 · 1 busy")
        # The job waits after its first batch while the cancel is clicked and confirmed; the
        # flag is set at once, the database request follows.
        asked = answer_next_modal(qtbot, "confirm-cancel-yes")
        qtbot.mouseClick(pane.buttons["cancel"], Qt.MouseButton.LeftButton)
        assert asked == ["ConfirmCancel"]
        qtbot.waitUntil(lambda: get_run(console_engine, run_id).cancel_requested, timeout=30000)
    finally:
        pause.release()
    try:
        qtbot.waitUntil(lambda: pane.chip.text() == "Cancelled", timeout=30000)
    except Exception:  # say what the pane and the database show instead
        late = get_run(console_engine, run_id)
        raise AssertionError(f"chip {pane.chip.text()!r}; the run is {late.status.value}, "
                             f"cancel requested {late.cancel_requested}, error {late.error!r}") from None
    run = get_run(console_engine, run_id)
    assert run.status is RunStatus.STOPPED
    with console_engine.connect() as conn:
        archived = conn.execute(select(func.count()).select_from(tables.job_runs)
                                .where(tables.job_runs.c.archived.is_(True))).scalar_one()
    assert 0 < archived < added  # work done before the cancel stays done
    assert run.processed == archived
    qtbot.waitUntil(lambda: "Stopped on request" in pane.log.toPlainText())
    assert not pane.buttons["cancel"].isEnabled() and pane.buttons["replay"].isEnabled()


def test_replay_a_finished_run_on_another_date(make_window, console_engine, qtbot) -> None:
    window = make_window(workers=1)
    page = window.show_page("batch_jobs")
    original = enqueue(console_engine, "rebuild_search_index", {"modules": ["accounts"]}, run_date=dt.date(2026, 3, 1))
    qtbot.waitUntil(lambda: get_run(console_engine, original).status.finished, timeout=30000)
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: page.model.row_of(original) is not None)
    with qtbot.waitSignal(page.detail.loaded, timeout=10000):
        click_row(qtbot, page.table, page.model.row_of(original))
    assert page.detail.buttons["replay"].isEnabled()

    def pick_date(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.other_date.setChecked(True)
        dialog.date.setDate(QDate(2026, 4, 2))

    answer_next_modal(qtbot, "replay-ok", then=pick_date)
    qtbot.mouseClick(page.detail.buttons["replay"], Qt.MouseButton.LeftButton)
    # the pane follows the new run, which the embedded worker runs to its end
    qtbot.waitUntil(lambda: page.detail.run_id not in (None, original), timeout=10000)
    new_id = page.detail.run_id
    qtbot.waitUntil(lambda: page.detail.chip.text() == "Completed", timeout=30000)
    replayed = get_run(console_engine, new_id)
    assert replayed.replay_of == original and replayed.run_date == dt.date(2026, 4, 2)
    assert replayed.params == get_run(console_engine, original).params
    qtbot.waitUntil(lambda: page.model.row_of(new_id) == 0)  # the new run appears at the top, live


def test_bulk_cancel_queued_runs_with_the_delete_key(make_window, console_engine, qtbot) -> None:
    window = make_window(workers=0)
    page = window.show_page("batch_jobs")
    ids = [enqueue(console_engine, "rebuild_search_index", {}) for _ in range(3)]
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: all(page.model.row_of(i) is not None for i in ids))
    rows = [page.model.row_of(i) for i in ids]
    click_row(qtbot, page.table, rows[0])
    for row in rows[1:]:
        click_row(qtbot, page.table, row, Qt.KeyboardModifier.ControlModifier)
    assert page.cancel_button.text() == "Cancel 3 Runs"
    answer_next_modal(qtbot, "confirm-cancel-yes")
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: all(get_run(console_engine, i).status is RunStatus.STOPPED for i in ids))
    qtbot.waitUntil(lambda: all(page.model.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).status is RunStatus.STOPPED
                                for r in rows))
    # the same (now cancelled) runs replay together with Ctrl+Shift+R
    qtbot.waitUntil(lambda: page.replay_button.text() == "Replay 3 Runs")
    before = page.model.total
    window.activateWindow()  # a window manager gives focus back after the message box; offscreen has none
    qtbot.waitUntil(window.isActiveWindow)
    asked = answer_next_modal(qtbot, "replay-ok")
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert asked == ["ReplayDialog"]
    qtbot.waitUntil(lambda: page.model.total == before + 3, timeout=10000)
    with console_engine.connect() as conn:
        replays = conn.execute(select(tables.job_runs.c.replay_of).where(tables.job_runs.c.replay_of.in_(ids))).scalars().all()
    assert sorted(replays) == sorted(ids)
