"""The Run Job dialog, driven with clicks and keys on a demo database: a rejected value keeps
Run disabled with its message shown; valid values queue runs with exactly those params."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from sqlalchemy import Engine, select

from app.db import tables
from app.engine.runs import get_run
from ui.run_job import RunJobDialog


def open_dialog(qtbot, engine: Engine, background, **kwargs) -> RunJobDialog:  # type: ignore[no-untyped-def]
    dialog = RunJobDialog(engine, background, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.workspace.count() > 1)  # the workspaces arrive from the query thread
    return dialog


def check_job(qtbot, dialog: RunJobDialog, key: str) -> None:  # type: ignore[no-untyped-def]
    tree = dialog.picker.tree
    item = dialog.picker.items[key]
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    qtbot.keyClick(tree, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: key in dialog.cards)


def test_rejected_value_blocks_run_then_valid_values_queue_a_run(qtbot, console_home, console_engine: Engine,
                                                                 query_thread) -> None:
    dialog = open_dialog(qtbot, console_engine, query_thread)
    assert not dialog.run_button.isEnabled()
    check_job(qtbot, dialog, "rebuild_search_index")
    form = dialog.cards["rebuild_search_index"].form
    assert dialog.run_button.isEnabled()
    assert dialog.workspace_id() is not None  # a per-workspace job starts on the first workspace

    # an employee that does not exist: refused, shown, Run disabled
    picker = form.editors["employee_id"]
    qtbot.keyClicks(picker.combo.lineEdit(), "zzz-nobody")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "No employee matches 'zzz-nobody'" in form.error_labels["employee_id"].text())
    assert form.error_labels["employee_id"].isVisible()
    assert not dialog.run_button.isEnabled()
    assert "Employee ID" in dialog.status.text()
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()

    # pick a real employee through the completer: type part of a name, arrow down, Enter
    with dialog.engine.connect() as conn:
        first, last, email, employee_id = conn.execute(
            select(tables.employees.c.first_name, tables.employees.c.last_name, tables.employees.c.email,
                   tables.employees.c.id)
            .where(tables.employees.c.workspace_id == dialog.workspace_id()).order_by(tables.employees.c.id)).first()
    line = picker.combo.lineEdit()  # type: ignore[attr-defined]
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    line.setFocus()
    qtbot.keyClicks(line, email[:-4])
    popup = picker.completer.popup()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() >= 1)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.values().get("employee_id") == employee_id)
    assert picker.combo.currentText().startswith(f"{first} {last} <{email}>")  # type: ignore[attr-defined]

    # no module left: the model refuses it
    modules = form.editors["modules"].list  # type: ignore[attr-defined]
    modules.setFocus()
    for row in (1, 2):  # contacts, accounts
        modules.setCurrentRow(row)
        qtbot.keyClick(modules, Qt.Key.Key_Space)
    assert form.values()["modules"] == ["leads"]
    modules.setCurrentRow(0)
    qtbot.keyClick(modules, Qt.Key.Key_Space)
    assert "Add at least one" in form.error_labels["modules"].text()
    assert not dialog.run_button.isEnabled()
    qtbot.keyClick(modules, Qt.Key.Key_Space)
    qtbot.waitUntil(dialog.run_button.isEnabled)

    qtbot.mouseClick(form.editors["dry_run"].box, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    dialog.run_date.setFocus()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    dialog.run_date.setCurrentSection(dialog.run_date.sectionAt(len("yyyy-MM-")))
    qtbot.keyClick(dialog.run_date, Qt.Key.Key_Up)
    if dialog.run_date.date() != QDate(tomorrow):  # the last day of a month rolls over differently
        dialog.run_date.setDate(QDate(tomorrow))

    with qtbot.waitSignal(dialog.queued) as queued:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    (run_id,) = queued.args[0]
    run = get_run(console_engine, run_id)
    assert run.type == "rebuild_search_index"
    assert run.workspace_id == dialog.workspace_id()
    assert run.run_date == tomorrow
    assert run.params == {"dry_run": True, "force": False, "employee_id": employee_id, "org_unit_id": None,
                          "modules": ["leads"]}
    assert run.initiated_by == "tester"
    assert not dialog.isVisible()


def test_several_jobs_queue_together_and_global_jobs_ignore_the_workspace(qtbot, console_engine: Engine,
                                                                          query_thread) -> None:
    dialog = open_dialog(qtbot, console_engine, query_thread, preselect=["retention_cleanup"])
    assert dialog.workspace_id() is None  # a global job starts on all workspaces
    day = dialog.run_date.date().toString("yyyy-MM-dd")
    assert dialog.status.text() == f"Queues 1 run for the whole system on {day}."
    check_job(qtbot, dialog, "rebuild_search_index")
    dialog.workspace.setFocus()
    qtbot.keyClick(dialog.workspace, Qt.Key.Key_Down)  # the first workspace: chosen by the admin
    assert dialog.workspace_id() is not None
    # the status line says which run goes where
    assert dialog.status.text() == (f"Queues 1 run for {dialog.workspace.currentText()} and 1 for the whole "
                                    f"system on {day}.")
    with qtbot.waitSignal(dialog.queued) as queued:
        qtbot.keyClick(dialog.run_button, Qt.Key.Key_Space)
    first, second = (get_run(console_engine, i) for i in queued.args[0])
    assert (first.type, first.workspace_id) == ("retention_cleanup", None)
    assert (second.type, second.workspace_id) == ("rebuild_search_index", dialog.workspace_id())
    assert second.params["modules"] == ["leads", "contacts", "accounts"]


def test_an_import_from_the_dialog_stores_its_file_with_the_run(qtbot, console_engine: Engine, tmp_path,
                                                                query_thread) -> None:
    from app.engine import artifacts

    dialog = open_dialog(qtbot, console_engine, query_thread)
    check_job(qtbot, dialog, "import")
    form = dialog.cards["import"].form
    file_line = form.editors["file"].line  # type: ignore[attr-defined]
    assert form.error_labels["file"].text() == "⚠ Required"
    qtbot.keyClicks(file_line, str(tmp_path / "missing.csv"))
    assert "No file at" in form.error_labels["file"].text() and not dialog.run_button.isEnabled()
    source = tmp_path / "few_contacts.csv"
    source.write_text("First Name,Last Name,Email\nAda,Lovelace,ada@engines.example\n", encoding="utf-8")
    file_line.clear()
    qtbot.keyClicks(file_line, str(source))
    module = form.editors["module"].combo  # type: ignore[attr-defined]
    module.setFocus()
    qtbot.keyClicks(module, "Contacts")
    qtbot.waitUntil(dialog.run_button.isEnabled)
    with qtbot.waitSignal(dialog.queued) as queued:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    (run_id,) = queued.args[0]
    run = get_run(console_engine, run_id)
    assert (run.type, run.module, run.file_name, run.workspace_id) == ("import", "contacts", "few_contacts.csv",
                                                                      dialog.workspace_id())
    with console_engine.connect() as conn:
        assert artifacts.find(conn, run_id, "source") is not None


def fill_bulk_delete(qtbot, dialog: RunJobDialog):  # type: ignore[no-untyped-def]
    check_job(qtbot, dialog, "bulk_delete")
    form = dialog.cards["bulk_delete"].form
    where = form.editors["where"]
    qtbot.keyClicks(where.entry, "status=unqualified")  # type: ignore[attr-defined]
    qtbot.keyClick(where.entry, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.run_button.isEnabled)
    return form


def bulk_deletes(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return list(conn.execute(select(tables.job_runs.c.params).where(tables.job_runs.c.type == "bulk_delete")).scalars())


def test_a_bulk_delete_without_dry_run_asks_first_and_cancel_queues_nothing(qtbot, console_engine: Engine,
                                                                            query_thread) -> None:
    from tests.console.helpers import answer_next_modal

    dialog = open_dialog(qtbot, console_engine, query_thread)
    form = fill_bulk_delete(qtbot, dialog)
    assert form.values()["dry_run"] is False  # the option's default: the command line deletes too
    before = bulk_deletes(console_engine)
    seen: dict[str, str] = {}

    def read(box) -> None:  # type: ignore[no-untyped-def]
        seen.update(text=box.text(), more=box.informativeText(), default=box.defaultButton().objectName(),
                    buttons=" ".join(sorted(b.text() for b in box.buttons())))

    asked = answer_next_modal(qtbot, "confirm-delete-no", then=read)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert asked == ["ConfirmDelete"]
    assert seen["text"] == f"Delete every Leads record matching status=unqualified in {dialog.workspace.currentText()}?"
    assert "cannot be undone" in seen["more"]
    assert seen["default"] == "confirm-delete-no" and seen["buttons"] == "Cancel Delete"
    assert dialog.isVisible() and dialog.run_button.isEnabled()
    assert "nothing was deleted" in dialog.status.text()
    assert bulk_deletes(console_engine) == before  # nothing queued


def test_a_bulk_delete_confirmed_is_queued_and_a_dry_run_is_not_asked_about(qtbot, console_engine: Engine,
                                                                           query_thread, monkeypatch) -> None:
    from tests.console.helpers import answer_next_modal

    dialog = open_dialog(qtbot, console_engine, query_thread)
    fill_bulk_delete(qtbot, dialog)
    asked = answer_next_modal(qtbot, "confirm-delete-yes")
    with qtbot.waitSignal(dialog.queued) as queued:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert asked == ["ConfirmDelete"]
    (run_id,) = queued.args[0]
    assert get_run(console_engine, run_id).params["dry_run"] is False

    questions: list[object] = []
    monkeypatch.setattr("ui.run_job.dialog.confirm", lambda *args: questions.append(args) or False)
    again = open_dialog(qtbot, console_engine, query_thread)
    form = fill_bulk_delete(qtbot, again)
    box = form.editors["dry_run"].box  # type: ignore[attr-defined]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert form.values()["dry_run"] is True
    with qtbot.waitSignal(again.queued) as queued:
        qtbot.mouseClick(again.run_button, Qt.MouseButton.LeftButton)
    assert questions == []  # a dry run deletes nothing: no question
    assert get_run(console_engine, queued.args[0][0]).params["dry_run"] is True


def shown_descriptions(dialog: RunJobDialog, text: str) -> int:
    from PySide6.QtWidgets import QLabel

    return sum(1 for label in dialog.findChildren(QLabel) if label.isVisible() and label.text() == text)


def test_a_selected_jobs_description_shows_once(qtbot, console_engine: Engine, query_thread) -> None:
    dialog = open_dialog(qtbot, console_engine, query_thread)
    tree, item = dialog.picker.tree, dialog.picker.items["retention_cleanup"]
    description = dialog.jobs["retention_cleanup"].description
    tree.setCurrentItem(item)  # browsing: the text under the list says what the job does
    assert shown_descriptions(dialog, description) == 1
    assert dialog.picker.description.text() == description
    check_job(qtbot, dialog, "retention_cleanup")  # its card says it now, the list no longer does
    qtbot.waitUntil(dialog.cards["retention_cleanup"].isVisible)  # a card added to the layout shows on the next turn
    assert shown_descriptions(dialog, description) == 1
    assert "options are on the right" in dialog.picker.description.text()
    qtbot.keyClick(tree, Qt.Key.Key_Space)  # unchecked: back under the list
    qtbot.waitUntil(lambda: "retention_cleanup" not in dialog.cards)
    assert shown_descriptions(dialog, description) == 1
    assert dialog.picker.description.text() == description


def test_a_long_org_unit_name_ends_in_an_ellipsis_with_the_whole_name_as_tooltip(qtbot, console_engine: Engine,
                                                                                 query_thread) -> None:
    from sqlalchemy import update

    long_name = "Demand Generation, Field Marketing and Partner Events for Enterprise Accounts"
    long_workspace = "Americas Enterprise Sales and Partner Channel Operations"
    units_table, spaces = tables.org_units, tables.workspaces
    with console_engine.begin() as conn:
        unit_id, workspace_id = conn.execute(select(units_table.c.id, units_table.c.workspace_id)
                                             .order_by(units_table.c.id)).first()
        conn.execute(update(units_table).where(units_table.c.id == unit_id).values(name=long_name))
        conn.execute(update(spaces).where(spaces.c.id == workspace_id).values(name=long_workspace))
    dialog = open_dialog(qtbot, console_engine, query_thread)
    index = dialog.workspace.findData(workspace_id)
    dialog.workspace.setCurrentIndex(index)
    dialog.workspace.activated.emit(index)  # as if chosen: the pickers search this workspace
    check_job(qtbot, dialog, "rebuild_search_index")
    form = dialog.cards["rebuild_search_index"].form
    units = form.editors["org_unit_id"]
    combo, line = units.combo, units.combo.lineEdit()  # type: ignore[attr-defined]
    form.set_values({"org_unit_id": unit_id})  # as a saved schedule or the screenshot fills it: id, then its path
    qtbot.waitUntil(lambda: long_name in line.text())
    name = line.text()
    dialog.run_button.setFocus()  # nobody is editing it
    qtbot.waitUntil(lambda: not line.hasFocus())
    assert line.fontMetrics().horizontalAdvance(name) > line.width()  # too long to fit
    assert form.values()["org_unit_id"] == unit_id  # the text behind the picture stays whole
    assert line.toolTip() == name
    shown = line.shown_text()
    assert shown.endswith("…") and name.startswith(shown[:-1].rstrip()) and len(shown) < len(name)
    qtbot.waitUntil(lambda: combo.findData(unit_id) >= 0)
    assert long_name in combo.itemData(combo.findData(unit_id), Qt.ItemDataRole.ToolTipRole)  # the list's too
    assert dialog.workspace.currentText().startswith(long_workspace)  # the workspace drop-down: cut, whole in its tip
    assert dialog.workspace.shown_text().endswith("…") and dialog.workspace.toolTip() == dialog.workspace.currentText()
    dialog.grab().save(str(Path(os.environ.get("BATCHDESK_SHOTS", "/tmp")) / "run-job-long-unit.png"))


def fill_bulk_update(qtbot, dialog: RunJobDialog):  # type: ignore[no-untyped-def]
    check_job(qtbot, dialog, "bulk_update")
    form = dialog.cards["bulk_update"].form
    for name, text in (("where", "status=new"), ("changes", "status=contacted")):
        editor = form.editors[name]
        qtbot.keyClicks(editor.entry, text)  # type: ignore[attr-defined]
        qtbot.keyClick(editor.entry, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.run_button.isEnabled)
    return form


def runs_of(engine: Engine, job_type: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return list(conn.execute(select(tables.job_runs.c.params).where(tables.job_runs.c.type == job_type)).scalars())


def test_a_bulk_update_without_dry_run_asks_first_naming_what_it_sets(qtbot, console_engine: Engine,
                                                                      query_thread, monkeypatch) -> None:
    from tests.console.helpers import answer_next_modal

    dialog = open_dialog(qtbot, console_engine, query_thread)
    form = fill_bulk_update(qtbot, dialog)
    assert form.values()["dry_run"] is False
    before = runs_of(console_engine, "bulk_update")
    seen: dict[str, str] = {}

    def read(box) -> None:  # type: ignore[no-untyped-def]
        seen.update(text=box.text(), more=box.informativeText(), default=box.defaultButton().objectName(),
                    escape=box.escapeButton().objectName(), buttons=" ".join(sorted(b.text() for b in box.buttons())))
        box.grab().save(str(Path(os.environ.get("BATCHDESK_SHOTS", "/tmp")) / "confirm-bulk-update.png"))

    asked = answer_next_modal(qtbot, "confirm-update-no", then=read)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert asked == ["ConfirmUpdate"]
    where = dialog.workspace.currentText()
    assert seen["text"] == f"Set status=contacted on every Leads record matching status=new in {where}?"
    assert "overwrites" in seen["more"] and "Dry Run" in seen["more"]
    assert seen["default"] == seen["escape"] == "confirm-update-no" and seen["buttons"] == "Cancel Update"
    assert dialog.isVisible() and "nothing was changed" in dialog.status.text()
    assert runs_of(console_engine, "bulk_update") == before  # nothing queued

    asked = answer_next_modal(qtbot, "confirm-update-yes")
    with qtbot.waitSignal(dialog.queued) as queued:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert asked == ["ConfirmUpdate"]
    params = get_run(console_engine, queued.args[0][0]).params
    assert params["dry_run"] is False and params["changes"] == ["status=contacted"]

    questions: list[object] = []
    monkeypatch.setattr("ui.run_job.dialog.confirm", lambda *args: questions.append(args) or False)
    again = open_dialog(qtbot, console_engine, query_thread)
    form = fill_bulk_update(qtbot, again)
    form.editors["dry_run"].box.setChecked(True)  # type: ignore[attr-defined]
    with qtbot.waitSignal(again.queued) as queued:
        qtbot.mouseClick(again.run_button, Qt.MouseButton.LeftButton)
    assert questions == []  # a dry run changes nothing: no question
    assert get_run(console_engine, queued.args[0][0]).params["dry_run"] is True
