"""Select-all on Batch Jobs means every run of the filter, not the rows loaded so far: the bulk
buttons name how many runs of the filter they act on, the action runs over the filter in
SQL, rows scrolled to later show selected, and a plain click or a filter change ends it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select, text

from app.api.runs import can_cancel, can_replay
from app.db import tables
from app.engine.history import RunFilter, list_runs
from app.engine.runs import enqueue
from app.engine.status import RunStatus
from tests.console.helpers import add_old_runs, answer_next_modal, click_row, wait_loaded

runs = tables.job_runs
CTRL = Qt.KeyboardModifier.ControlModifier


def _add_runs(engine, count: int, status: str) -> None:  # type: ignore[no-untyped-def]
    """`count` runs of 2021 in one statement (more than the table loads at first)."""
    finished = "'2021-03-01 10:00:00'" if status != "pending" else "NULL"
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO job_runs (type, module, run_date, params, status, processed, created, updated, skipped, failed, "
            "errors_count, initiated_by, queued_at, finished_at, updated_at, cancel_requested, attempts, archived) "
            f"SELECT 'export', 'leads', '2021-03-01', '{{}}', :status, 0, 0, 0, 0, 0, 0, 'bulk.admin', "
            f"'2021-03-01 10:00:00', {finished}, '2021-03-01 10:00:00', false, 0, false "
            "FROM job_runs a, job_runs b LIMIT :n"), {"status": status, "n": count})


def _matching(engine, flt: RunFilter, rule) -> set[int]:  # type: ignore[no-untyped-def]
    return {r.id for r in list_runs(engine, flt, limit=100_000) if rule(r)}


def _read(engine, stmt) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def _select_all(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    click_row(qtbot, page.table, 0)  # the table has the focus, as after a person's click
    qtbot.keyClick(page.table, Qt.Key.Key_A, CTRL)


def test_select_all_cancels_every_queued_run_of_the_filter(make_window, console_engine, qtbot) -> None:
    _add_runs(console_engine, 450, "pending")
    window = make_window(workers=0)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    expected = _matching(console_engine, RunFilter(), can_cancel)
    assert len(expected) > 450 and page.model.loaded_pages() == 1

    _select_all(qtbot, page)
    qtbot.waitUntil(lambda: page.cancel_button.text() == f"Cancel {len(expected)} Runs")
    assert page.cancel_button.isEnabled()
    assert page.model.loaded_pages() == 1  # counted in the database: no row was fetched for it
    # rows far down, fetched only now, show selected as they scroll in
    page.table.scrollToBottom()
    last = page.model.rowCount() - 1
    qtbot.waitUntil(lambda: page.model.index(last, 0).data(Qt.ItemDataRole.UserRole + 2) is not None)
    assert page.table.selectionModel().isRowSelected(last)
    # a run queued meanwhile is one more of the filter: counted, and its row selected too
    new = enqueue(console_engine, "rebuild_search_index", {})
    qtbot.waitUntil(lambda: page.cancel_button.text() == f"Cancel {len(expected) + 1} Runs", timeout=15000)
    qtbot.waitUntil(lambda: page.model.rowCount() == last + 2)
    assert page.table.selectionModel().isRowSelected(last + 1)

    # a plain click selects that row alone
    page.table.scrollToTop()
    click_row(qtbot, page.table, 0)
    assert not page.table.all_rows and page.table.selectionModel().selectedRows() == [page.model.index(0, 0)]
    assert page.cancel_button.text() == "Cancel 1 Run"

    # the confirmation says how many; then every one of them is cancelled, in the database
    _select_all(qtbot, page)
    qtbot.waitUntil(lambda: page.cancel_button.text() == f"Cancel {len(expected) + 1} Runs")
    said: list[str] = []
    asked = answer_next_modal(qtbot, "confirm-cancel-yes", then=lambda box: said.append(box.text()))
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert asked == ["ConfirmCancelAll"]
    assert said == [f"Cancel all {len(expected) + 1:,} runs of this filter that are queued or running?"]
    not_asked = select(func.count()).select_from(runs).where(runs.c.id.in_(expected | {new}),
                                                              runs.c.cancel_requested.is_(False))
    qtbot.waitUntil(lambda: _read(console_engine, not_asked) == 0, timeout=15000)
    assert _read(console_engine, select(func.count()).select_from(runs).where(runs.c.status == "pending")) == 0
    qtbot.waitUntil(lambda: page.cancel_button.text() == "Cancel Selected" and not page.cancel_button.isEnabled())
    qtbot.waitUntil(lambda: "Cancel requested for" in window.statusBar().currentMessage())


def test_select_all_replays_every_ended_run_of_the_filter(make_window, console_engine, qtbot) -> None:
    _add_runs(console_engine, 180, "completed")
    window = make_window(workers=0)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    flt = RunFilter(text="export")
    expected = _matching(console_engine, flt, can_replay)
    assert len(expected) > 180

    _select_all(qtbot, page)
    assert page.table.all_rows
    total = page.model.total
    qtbot.keyClicks(page.filters.text, "export")  # a filter change (once typing pauses) ends "all"
    qtbot.waitUntil(lambda: not page.table.all_rows)
    qtbot.waitUntil(lambda: page.model.query.filter.text == "export" and page.model.total not in (None, total))
    wait_loaded(qtbot, page)
    assert not page.table.selectionModel().hasSelection()

    shown = page.model.total
    _select_all(qtbot, page)
    qtbot.waitUntil(lambda: page.replay_button.text() == f"Replay {len(expected)} Runs")
    asked = answer_next_modal(qtbot, "replay-ok")
    qtbot.keyClick(page.table, Qt.Key.Key_R, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert asked == ["ReplayDialog"]
    def replays() -> list[int]:
        with console_engine.connect() as conn:
            return list(conn.execute(select(runs.c.replay_of).where(runs.c.replay_of.is_not(None))).scalars())

    qtbot.waitUntil(lambda: len(replays()) >= len(expected), timeout=20000)
    assert sorted(replays()) == sorted(expected)  # each ended run of the filter once, nothing else
    with console_engine.connect() as conn:
        statuses = set(conn.execute(select(runs.c.status).where(runs.c.replay_of.is_not(None))).scalars())
    assert statuses == {RunStatus.PENDING.value}
    # the new runs are exports too: the table counts them as they come
    qtbot.waitUntil(lambda: page.model.total == shown + len(expected), timeout=15000)


def test_select_all_does_not_walk_every_row_on_the_gui_thread(make_window, console_engine, qtbot, monkeypatch) -> None:
    """A header drawn after select-all asked whether each column was wholly selected, which Qt
    answers by visiting every row through the model's rowCount (22 s at a million runs)."""
    from ui.history_model import HistoryModel

    calls = [0]
    row_count = HistoryModel.rowCount

    def counted(self, *args):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return row_count(self, *args)

    monkeypatch.setattr(HistoryModel, "rowCount", counted)  # before Qt first looks the override up
    added = add_old_runs(console_engine)
    window = make_window(workers=0)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    assert page.model.total > added > 20_000
    click_row(qtbot, page.table, 0)
    window.grab()
    calls[0] = 0
    qtbot.keyClick(page.table, Qt.Key.Key_A, CTRL)
    qtbot.waitUntil(lambda: page.cancel_button.text().startswith("Cancel ") and page.all_runs.actionable is not None)
    window.grab()  # the table and its headers drawn with every row selected
    assert page.table.selectionModel().isRowSelected(page.model.total - 1)
    assert calls[0] < 2_000, f"{calls[0]:,} rowCount calls for {page.model.total:,} rows"
