"""How the console looks and is found: menus that show every shortcut (and tooltips that name
them), pages switched from the keyboard, a palette switch followed live (charts, icons,
drop-down arrows), a filter row that never cuts its boxes' text, and a window that fits a
1024×768 screen."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QMenu

from tests.console.helpers import wait_loaded


def menu_entries(window, title: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)
    assert isinstance(menu, QMenu)
    return {a.text().replace("&", ""): a.shortcut().toString() for a in menu.actions() if not a.isSeparator()}


def test_menus_list_the_actions_with_their_shortcuts_and_keys_switch_pages(make_window, qtbot) -> None:
    window = make_window()
    assert [a.text().replace("&", "") for a in window.menuBar().actions()] == ["File", "View", "Jobs"]
    assert menu_entries(window, "File") == {"Import…": "Ctrl+I", "Run Job…": "Ctrl+R", "Quit": "Ctrl+Q"}
    view = menu_entries(window, "View")
    assert view["Batch Jobs"] == "Ctrl+1" and view["Settings"] == "Ctrl+4" and view["Refresh"] == "F5"
    jobs = menu_entries(window, "Jobs")
    assert jobs["Cancel Selected"] == "Del" and jobs["Replay Selected"] == "Ctrl+Shift+R"
    tips = {key: action.toolTip() for key, action in window.actions_by_key.items()}
    assert "(Ctrl+R)" in tips["run_job"] and tips["refresh"] == "Refresh (F5)"
    assert tips["cancel_selected"] == "Cancel Selected (Del or Ctrl+.)"
    # the toolbar says "Run Job", the menu "Run Job…"
    assert window.actions_by_key["run_job"].iconText() == "Run Job"

    wait_loaded(qtbot, window.page_widgets["batch_jobs"])  # the window is up and active
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is window.page_widgets["dashboard"]
    assert window.actions_by_key["page_dashboard"].isChecked()
    qtbot.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.sidebar.visualItemRect(window.sidebar.item(2)).center())
    assert window.actions_by_key["page_schedules"].isChecked()  # the menu follows the sidebar
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is window.page_widgets["batch_jobs"]


def test_a_palette_switch_is_followed_live(make_window, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    charts = page.detail.summary.charts
    refresh = window.actions_by_key["refresh"]

    def chart_background() -> str:
        return charts.rate_plot.backgroundBrush().color().name()

    def icon_darkness() -> int:
        image = refresh.icon().pixmap(32, 32).toImage()
        alphas = [image.pixelColor(x, y) for x in range(32) for y in range(32)]
        return min(c.lightness() for c in alphas if c.alpha() > 200)

    def switch(scheme: str) -> None:
        monkeypatch.setenv("BATCHDESK_THEME", scheme)
        app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark if scheme == "dark" else Qt.ColorScheme.Light)

    switch("light")
    light = (chart_background(), icon_darkness())
    assert "theme/light/down.svg" in app.styleSheet()
    try:
        switch("dark")
        base = app.palette().color(QPalette.ColorRole.Base).name()
        assert base != light[0] and chart_background() == base  # the charts turned dark with the window
        assert icon_darkness() > light[1] + 100  # icons are drawn in the light text colour now
        assert "theme/dark/down.svg" in app.styleSheet()
    finally:
        switch("light")
    assert (chart_background(), icon_darkness()) == light


def test_filter_boxes_keep_their_text_whole_in_a_laptop_sized_window(make_window, qtbot) -> None:
    window = make_window()
    window.resize(1100, 700)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: page.filters.type.count() > 1)
    filters = page.filters
    for box in (filters.type, filters.status, filters.module, filters.user, filters.workspace, filters.dates):
        text_room = box.width() - 40  # padding, arrow and frame
        assert box.fontMetrics().horizontalAdvance(box.itemText(0)) <= text_room, box.objectName()
    assert window.width() <= 1100


def test_the_window_fits_a_1024_by_768_screen(make_window, qtbot) -> None:
    from PySide6.QtWidgets import QBoxLayout

    window = make_window()
    assert window.minimumSizeHint().width() <= 1000 and window.minimumWidth() <= 1000
    window.resize(1000, 700)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: page.filters.type.count() > 1 and window.width() == 1000)
    filters = page.filters

    def inside_page(widget) -> bool:  # type: ignore[no-untyped-def]
        return page.rect().contains(QRect(widget.mapTo(page, QPoint(0, 0)), widget.size()))

    widgets = (filters.type, filters.status, filters.module, filters.user, filters.workspace, filters.dates,
               filters.text, filters.clear_button, page.cancel_button, page.replay_button)
    assert all(inside_page(w) for w in widgets), [w.objectName() for w in widgets if not inside_page(w)]
    assert page.table.horizontalScrollBar().maximum() > 0  # the history scrolls sideways, nothing is squeezed
    filters.dates.setCurrentIndex(filters.dates.findData(-1))  # a custom range opens a row of its own
    qtbot.waitUntil(lambda: filters.range_row.isVisible())
    assert inside_page(filters.date_to) and window.minimumSizeHint().width() <= 1000
    assert page.table.height() > 5 * page.table.verticalHeader().defaultSectionSize()

    settings = window.show_page("settings")  # the cards stack in one column
    qtbot.waitUntil(lambda: settings.columns.direction() == QBoxLayout.Direction.TopToBottom)
    qtbot.waitUntil(lambda: settings.horizontalScrollBar().maximum() == 0)
    window.resize(1400, 860)
    qtbot.waitUntil(lambda: settings.columns.direction() == QBoxLayout.Direction.LeftToRight)


def test_the_log_shows_errors_and_warnings_in_their_colours(qtbot) -> None:
    import datetime as dt

    from ui.detail.log_view import LogView
    from ui.theme import status_color

    view = LogView()
    qtbot.addWidget(view)
    at = dt.datetime(2026, 5, 1, 8, 0, 0)
    view.append_entries([{"id": i + 1, "at": at, "level": level, "message": text} for i, (level, text) in enumerate(
        [("info", "Started"), ("warning", "3 rows skipped"), ("error", "Finished: failed after 246 of 250")])])

    def colour_of(line: int) -> str:
        block = view.document().findBlockByNumber(line)
        ranges = block.layout().formats()
        message = next(r for r in ranges if r.start > 19)  # after the time stamp
        return message.format.foreground().color().name()

    assert view.document().blockCount() == 3
    assert colour_of(1) == status_color("warning").name()
    assert colour_of(2) == status_color("failed").name()
    assert all(r.start <= 19 for r in view.document().findBlockByNumber(0).layout().formats())  # info: only the time is muted


def test_icons_and_theme_images_are_drawn_for_high_dpi(qtbot) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon, QImage

    from ui.theme import RESOURCES, icon

    pixmap = icon("run").pixmap(QSize(18, 18), 2.0)
    assert pixmap.devicePixelRatio() == 2.0 and pixmap.width() == 36  # drawn at 36 px, not scaled up
    selected = icon("jobs").pixmap(QSize(18, 18), 2.0, QIcon.Mode.Selected).toImage()
    normal = icon("jobs").pixmap(QSize(18, 18), 2.0).toImage()
    assert selected != normal  # the sidebar's selected row has its own colour
    for image in (RESOURCES / "theme").glob("*/*.svg"):  # vectors: sharp at any scale
        assert not QImage(str(image)).isNull(), image.name


def test_an_empty_history_says_why_and_what_to_do(make_window, qtbot) -> None:
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    assert not page.empty.isVisible()
    assert not page.filters.clear_button.isEnabled()  # nothing to clear yet
    qtbot.keyClicks(page.filters.text, "no-such-file-anywhere")
    assert page.filters.clear_button.isEnabled()
    qtbot.waitUntil(lambda: page.model.total == 0 and page.empty.isVisible(), timeout=10000)
    assert "No runs match these filters" in page.empty.text()
    qtbot.mouseClick(page.filters.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.model.total) and not page.empty.isVisible(), timeout=10000)
    assert not page.filters.clear_button.isEnabled()
    page.filters.status.setCurrentIndex(1)  # a box chosen is a filter too
    assert page.filters.clear_button.isEnabled()


def test_a_finished_runs_charts_fill_their_plots(qtbot) -> None:
    import datetime as dt

    from app.engine.records import RunRecord
    from app.engine.status import RunStatus
    from ui.detail.charts import RunCharts

    charts = RunCharts()
    qtbot.addWidget(charts)
    charts.show()
    started = dt.datetime(2026, 5, 1, 8, 0, 0)
    fields = {name: None for name in RunRecord.__dataclass_fields__}
    fields.update(id=1, type="import", status=RunStatus.WARNING, processed=1000, created=811, updated=167, skipped=0,
                  failed=22, total=1000, started_at=started, finished_at=started + dt.timedelta(seconds=1))
    run = RunRecord(**fields)  # type: ignore[arg-type]
    assert run.duration == dt.timedelta(seconds=1)
    charts.show_finished(run)
    (_, x_end), (_, y_end) = charts.count_plot.getPlotItem().viewRange()
    assert 1.0 < x_end <= 1.25 and 1000 < y_end <= 1250  # the line ends near the top right corner
    charts.close()
    del charts
    gc.collect()  # pyqtgraph's cycles freed here, on the GUI thread (see ui/collector.py)


def test_result_and_error_lines_read_on_both_palettes(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QLabel

    from ui.card import say
    from ui.theme import TONES, apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    failed, passed = QLabel(), QLabel()
    for label in (failed, passed):
        qtbot.addWidget(label)
        label.show()
    say(failed, "✖ Failed: connection refused", False)
    say(passed, "✔ Connected", True)

    def colours() -> tuple[str, str]:
        return (failed.palette().color(QPalette.ColorRole.WindowText).name(),
                passed.palette().color(QPalette.ColorRole.WindowText).name())

    monkeypatch.setenv("BATCHDESK_THEME", "light")
    apply_theme(app)
    assert colours() == (TONES["error"][0], TONES["ok"][0])
    try:
        monkeypatch.setenv("BATCHDESK_THEME", "dark")
        apply_theme(app)
        assert colours() == (TONES["error"][1], TONES["ok"][1])  # lighter: they read on the dark window
    finally:
        monkeypatch.setenv("BATCHDESK_THEME", "light")
        apply_theme(app)
    say(failed, "plain again")
    assert failed.palette().color(QPalette.ColorRole.WindowText) == app.palette().color(QPalette.ColorRole.WindowText)
