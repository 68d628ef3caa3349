"""The GUI thread never waits on the database: Settings and the Run Job dialog (its workspace
list, its record pickers, its Run) do their reads and writes on the console's query thread.

The proof is a guard on the engine: a connection taken on the GUI thread raises and is
recorded, so any such read fails the test even where the app would catch the error. A slow
database leaves the dialog usable ("Searching…"); a dead one says so next to the fields.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import Engine, event

from app.db.engine import make_engine
from tests.console.test_run_job_dialog import check_job


class GuiThreadDatabaseAccess(AssertionError):
    """A connection was asked for on the GUI thread."""


@pytest.fixture
def gui_thread_guard(console_engine: Engine) -> Iterator[list[str]]:
    """Every connection checkout on the main (GUI) thread raises; the stacks are kept and
    the test fails at the end if there was any."""
    offences: list[str] = []

    def checkout(*_args: object) -> None:
        if threading.current_thread() is threading.main_thread():
            offences.append("".join(traceback.format_stack(limit=25)))
            raise GuiThreadDatabaseAccess("database connection taken on the GUI thread")

    event.listen(console_engine, "checkout", checkout)
    yield offences
    event.remove(console_engine, "checkout", checkout)
    assert not offences, "the GUI thread used the database:\n" + "\n-----\n".join(offences)


def test_settings_and_run_job_use_the_database_only_off_the_gui_thread(
        qtbot, make_window, console_engine: Engine, gui_thread_guard: list[str]) -> None:
    with pytest.raises(GuiThreadDatabaseAccess):  # the guard itself works
        console_engine.connect().close()
    gui_thread_guard.clear()

    window = make_window()
    page = window.show_page("settings")
    retention = page.retention
    qtbot.waitUntil(lambda: retention.form.isEnabled() and page.smtp.form.isEnabled())
    assert retention.form.values()["history_days"] == 90
    spin = retention.form.editors["history_days"].spin  # type: ignore[attr-defined]
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "61")
    qtbot.waitUntil(retention.save_button.isEnabled)
    qtbot.mouseClick(retention.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in retention.status.text())
    window.page_call("refresh")  # F5 reads them again
    qtbot.waitUntil(lambda: retention.form.isEnabled() and retention.form.values()["history_days"] == 61)

    dialog = window.open_dialog("run_job")
    qtbot.waitUntil(lambda: dialog.workspace.count() > 1)
    check_job(qtbot, dialog, "rebuild_search_index")
    form = dialog.cards["rebuild_search_index"].form
    employees, units = form.editors["employee_id"], form.editors["org_unit_id"]
    qtbot.waitUntil(lambda: employees.combo.count() > 0 and units.combo.count() > 0)  # type: ignore[attr-defined]

    # search by typing, pick from the completer
    line = employees.combo.lineEdit()  # type: ignore[attr-defined]
    line.setFocus()
    first_label, first_id = employees.combo.itemText(0), employees.combo.itemData(0)  # type: ignore[attr-defined]
    qtbot.keyClicks(line, first_label.split(" <")[0])
    popup = employees.completer.popup()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() >= 1)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.values().get("employee_id") == first_id)

    # a stored id is shown by its label, looked up off the GUI thread
    unit_label, unit_id = units.combo.itemText(0), units.combo.itemData(0)  # type: ignore[attr-defined]
    form.set_values({"org_unit_id": unit_id})
    qtbot.waitUntil(lambda: units.combo.currentText() == unit_label)  # type: ignore[attr-defined]
    assert form.values()["org_unit_id"] == unit_id

    qtbot.waitUntil(dialog.run_button.isEnabled)
    with qtbot.waitSignal(dialog.queued, timeout=15000) as queued:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    (run_id,) = queued.args[0]
    assert run_id > 0


@pytest.fixture
def slow_database(console_engine: Engine) -> Iterator[threading.Event]:
    """Connections off the GUI thread wait until the event is set (set at teardown at the latest)."""
    gate = threading.Event()

    def checkout(*_args: object) -> None:
        if threading.current_thread() is not threading.main_thread():
            gate.wait(30)

    event.listen(console_engine, "checkout", checkout)
    yield gate
    gate.set()
    event.remove(console_engine, "checkout", checkout)


def test_a_slow_database_leaves_the_run_job_dialog_usable(qtbot, console_engine: Engine, query_thread,
                                                          slow_database: threading.Event) -> None:
    from ui.run_job import RunJobDialog

    dialog = RunJobDialog(console_engine, query_thread)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.status.text() == "Loading workspaces…" and not dialog.run_button.isEnabled()
    check_job(qtbot, dialog, "rebuild_search_index")  # the GUI answers while the database does not
    employees = dialog.cards["rebuild_search_index"].form.editors["employee_id"]
    line = employees.combo.lineEdit()  # type: ignore[attr-defined]
    line.setFocus()
    qtbot.keyClicks(line, "a")
    assert line.text() == "a"
    qtbot.waitUntil(lambda: employees.state.text() == "Searching…")  # type: ignore[attr-defined]
    assert not dialog.run_button.isEnabled()

    slow_database.set()
    qtbot.waitUntil(lambda: dialog.workspace.count() > 1 and employees.combo.count() > 0)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not employees.state.isVisible())  # type: ignore[attr-defined]
    assert "matches" in dialog.cards["rebuild_search_index"].form.error_labels["employee_id"].text()


@pytest.mark.parametrize("dead_url", ["postgresql://nobody@127.0.0.1:1/none", "sqlite:////nonexistent-dir/x.db"],
                         ids=["postgresql", "sqlite"])
def test_a_dead_database_is_reported_next_to_what_needs_it(qtbot, query_thread, dead_url: str) -> None:
    from app.api import settings as admin
    from ui.run_job import RunJobDialog
    from ui.settings.admin_cards import ModelCard

    engine = make_engine(dead_url)
    try:
        dialog = RunJobDialog(engine, query_thread, preselect=["rebuild_search_index"])
        qtbot.addWidget(dialog)
        card = ModelCard("Retention", "", engine, query_thread, admin.RetentionSettings, admin.load_retention,
                         admin.save_retention, "retention")
        qtbot.addWidget(card)
        qtbot.waitUntil(lambda: dialog.status.text().startswith("Could not read the workspaces:"))
        assert not dialog.run_button.isEnabled()
        employees = dialog.cards["rebuild_search_index"].form.editors["employee_id"]
        qtbot.waitUntil(lambda: employees.state.text().startswith("⚠ Could not search employees:"))  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: card.status.text().startswith("✖ Could not read the settings:"))
        assert not card.form.isEnabled() and not card.save_button.isEnabled()
    finally:
        engine.dispose()

