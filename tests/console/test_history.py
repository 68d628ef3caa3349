"""The Batch Jobs page against real demo history: filter, sort, search, open a run."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from app.engine import history
from app.engine.history import RunFilter
from app.engine.status import RunStatus
from tests.console.helpers import click_header, click_row, wait_loaded
from ui.history_model import COL, RUN_ROLE


def shown_runs(page):  # type: ignore[no-untyped-def]
    model = page.model
    return [model.index(r, 0).data(RUN_ROLE) for r in range(min(model.rowCount(), 40))]


def loaded(page) -> bool:  # type: ignore[no-untyped-def]
    """The rows on screen all arrived (and there are some)."""
    runs = shown_runs(page)
    return bool(runs) and all(runs)


def test_filter_by_status_and_sort_by_a_column(make_window, console_engine, qtbot) -> None:
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    assert page.model.total == history.count_runs(console_engine, RunFilter())
    assert page.count_label.text() == f"{page.model.total:,} runs"

    page.filters.status.setFocus()
    qtbot.keyClicks(page.filters.status, "Warning")
    assert page.filters.status.currentText() == "Warning"
    expected = history.count_runs(console_engine, RunFilter(statuses=[RunStatus.WARNING]))
    qtbot.waitUntil(lambda: page.model.total == expected and loaded(page))
    assert expected > 0 and {r.status for r in shown_runs(page)} == {RunStatus.WARNING}

    click_header(qtbot, page.table, COL["skipped"])  # ascending first
    qtbot.waitUntil(lambda: page.model.query.sort == "skipped" and loaded(page))
    values = [r.skipped for r in shown_runs(page)]
    assert values == sorted(values)
    click_header(qtbot, page.table, COL["skipped"])
    qtbot.waitUntil(lambda: page.model.query.descending and loaded(page))
    values = [r.skipped for r in shown_runs(page)]
    assert values == sorted(values, reverse=True) and values[0] > values[-1]


def test_text_search_finds_file_names_and_ctrl_f_focuses_it(make_window, console_engine, qtbot) -> None:
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.filters.text.hasFocus()
    qtbot.keyClicks(page.filters.text, "_fair.")
    expected = history.count_runs(console_engine, RunFilter(text="_fair."))
    qtbot.waitUntil(lambda: page.model.total == expected and loaded(page), timeout=10000)
    assert expected > 0
    assert all("_fair." in (r.file_name or "") for r in shown_runs(page))
    qtbot.mouseClick(page.filters.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total == history.count_runs(console_engine, RunFilter()))


def test_open_a_run_and_read_its_log_and_errors(make_window, console_engine, qtbot) -> None:
    target = next(r for r in history.list_runs(console_engine, RunFilter(statuses=[RunStatus.WARNING]), limit=100)
                  if r.errors_count > 0)
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    qtbot.keyClicks(page.filters.text, str(target.id))  # the id matches exactly
    qtbot.waitUntil(lambda: page.model.total == 1 and loaded(page))
    with qtbot.waitSignal(page.detail.loaded, timeout=10000):
        click_row(qtbot, page.table, 0)
    pane = page.detail
    assert pane.title.text().startswith(f"#{target.id} · Import")
    assert pane.chip.text() == "Warning"
    assert pane.summary.values["failed"].text() == f"{target.failed:,}"
    assert pane.buttons["replay"].isEnabled() and not pane.buttons["cancel"].isEnabled()

    pane.tabs.tabBar().setCurrentIndex(1)
    qtbot.waitUntil(lambda: "Finished: warning" in pane.log.toPlainText())
    first = pane.log.toPlainText().splitlines()[0]
    assert first.endswith("INFO   Queued") and first[:4].isdigit()

    pane.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: pane.errors.model.rowCount() > 0)
    errors = history.row_errors(console_engine, target.id)
    assert pane.errors.model.rowCount() == len(errors)
    assert pane.errors.model.index(0, 0).data() == f"Row {errors[0]['row_number']}"
    assert pane.errors.model.index(0, 2).data() == "Email field invalid: 'not-an-email'"
    assert "Email=not-an-email" in pane.errors.model.index(0, 3).data()
    assert pane.errors.position.text().endswith(f"of {len(errors)} errors")

    pane.tabs.setCurrentIndex(3)
    config = pane.config.values()
    assert config["Options/Module"] == "leads" and config["Settings/Run date"] == target.run_date.isoformat()


def test_a_sort_keeps_the_count_that_is_on_its_way(make_window, console_engine, qtbot, monkeypatch) -> None:
    """Counting a million runs takes longer than a page: a sort right after a filter change
    must not drop that count and start another (nor reset the rows)."""
    from app.api import history as api

    counted: list[RunFilter] = []
    count = api.count

    def counting(engine, flt, cancel=None):  # type: ignore[no-untyped-def]
        counted.append(flt)
        return count(engine, flt, cancel)

    monkeypatch.setattr(api, "count", counting)
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    counted.clear()
    resets: list[bool] = []
    page.model.modelReset.connect(lambda: resets.append(True))
    page.filters.status.setCurrentIndex(page.filters.status.findData(RunStatus.COMPLETED))
    page.table.sortByColumn(COL["created"], Qt.SortOrder.DescendingOrder)  # before the count can arrive
    expected = history.count_runs(console_engine, RunFilter(statuses=[RunStatus.COMPLETED]))
    qtbot.waitUntil(lambda: page.model.total == expected and loaded(page))
    assert counted == [RunFilter(statuses=[RunStatus.COMPLETED])]
    assert len(resets) == 1  # the filter's; the sort kept the rows
    values = [r.created for r in shown_runs(page)]
    assert values == sorted(values, reverse=True)


def test_a_live_sample_repaints_only_the_cells_whose_text_changed(make_window, console_engine, qtbot) -> None:
    """20 jobs report 5 times a second: a sample repaints the few counters it moved, in one
    dataChanged, and a sample that moved nothing repaints nothing."""
    from sqlalchemy import func, select, update

    from app.db import tables
    from app.engine.context import ProgressSnapshot

    runs = tables.job_runs
    with console_engine.begin() as conn:
        run_id = conn.execute(select(func.max(runs.c.id))).scalar_one()
        conn.execute(update(runs).where(runs.c.id == run_id).values(status=RunStatus.STARTED.value, total=1000,
                                                                     processed=400, created=400, finished_at=None))
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    model = page.model
    qtbot.waitUntil(lambda: model.row_of(run_id) == 0 and model.record(run_id) is not None)
    run = model.record(run_id)
    assert run is not None and run.status is RunStatus.STARTED
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda first, last, *_: changes.append((first.row(), first.column(), last.row(), last.column())))
    snap = ProgressSnapshot(run_id=run_id, total=1000, processed=450, created=450, updated=run.updated,
                            skipped=run.skipped, failed=run.failed, errors_count=run.errors_count, elapsed=2.0,
                            cancel_requested=False)
    model.apply_snapshots({run_id: snap})
    assert changes == [(0, COL["progress"], 0, COL["created"])]
    assert model.index(0, COL["created"]).data() == "450"
    changes.clear()
    model.apply_snapshots({run_id: replace(snap, elapsed=2.2)})
    assert changes == [], "the same counters repaint nothing"


def test_a_dry_run_says_so_in_the_history_and_its_detail(make_window, console_engine, qtbot) -> None:
    """Its counters say what would have been deleted: the type and the detail say nothing was."""
    from app.engine.runs import enqueue

    dry = enqueue(console_engine, "bulk_delete", {"module": "leads", "where": ["status=unqualified"], "dry_run": True})
    real = enqueue(console_engine, "bulk_delete", {"module": "leads", "where": ["status=unqualified"]})
    window = make_window(workers=0)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: page.model.row_of(dry) is not None and page.model.row_of(real) is not None)
    type_of = {run_id: page.model.index(page.model.row_of(run_id), COL["type"]).data() for run_id in (dry, real)}
    assert type_of == {dry: "Bulk Delete (dry run)", real: "Bulk Delete"}
    with qtbot.waitSignal(page.detail.loaded, timeout=10000):
        page.open_run(dry)
    assert "dry run: nothing was changed" in page.detail.subtitle.text()
    with qtbot.waitSignal(page.detail.loaded, timeout=10000):
        page.open_run(real)
    assert "dry run" not in page.detail.subtitle.text()
