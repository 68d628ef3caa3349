"""A CSV dropped on the window: module guessed, previewed, mapped (one column re-mapped,
saved as a template), dry-run (nothing written), run by a real embedded worker to its end,
and its failed records downloaded — all with clicks and keys."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QInputDialog
from sqlalchemy import Engine, func, select

from app.db import tables
from app.engine.runs import get_run
from app.transfer.mapping import list_templates
from ui.import_wizard import ImportWizard

ROWS = [
    ["First Name", "Surname", "Email Address", "Phone", "Company", "Notes"],
    ["Ines", "Quinn", "ines.quinn@fair.example", "+49 30 1234567", "Quinn Labs", "Berlin"],
    ["Jonas", "Rossi", "jonas.rossi@fair.example", "", "Rossi Foods", "Turin"],
    ["Kira", "Schmidt", "not-an-email", "", "Schmidt AG", "Hamburg"],
    ["Luis", "Tanaka", "luis.tanaka@fair.example", "+81 3 5555 1234", "", "Osaka"],
]


def drop_file(window, path: Path) -> ImportWizard:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    where = QPoint(200, 200)
    enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(where.toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert event.isAccepted()
    (wizard,) = window.findChildren(ImportWizard)
    return wizard


def leads_with(engine: Engine, domain: str) -> list[tuple[str, str | None]]:
    leads = tables.leads
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(leads.c.email, leads.c.city)
                                               .where(func.lower(leads.c.email).like(f"%@{domain}"))
                                               .order_by(leads.c.email))]


def test_drop_map_dry_run_run_and_download_failed_records(qtbot, make_window, console_engine: Engine,
                                                          tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "fair_contacts_may.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";").writerows(ROWS)
    window = make_window(workers=1)
    wizard = drop_file(window, source)
    step = wizard.file
    qtbot.waitUntil(step.ready, timeout=10000)
    assert step.module_key() == "contacts"  # the headers fit leads and contacts alike; the name decides
    step.module.setFocus()
    qtbot.keyClicks(step.module, "Leads")
    assert step.module_key() == "leads"
    assert "semicolon separated" in step.detected.text()
    assert step.table.rowCount() == 4 and step.table.item(2, 2).text() == "not-an-email"
    assert step.table.verticalHeaderItem(0).text() == "2"  # spreadsheet row numbers

    qtbot.mouseClick(wizard.next, Qt.MouseButton.LeftButton)
    mapping = wizard.mapping
    assert mapping.mapping() == {"First Name": "first_name", "Surname": "last_name", "Email Address": "email",
                                 "Phone": "phone", "Company": "company", "Notes": ""}
    surname = mapping.combos["Surname"]
    surname.setFocus()
    qtbot.keyClick(surname, Qt.Key.Key_Home)  # the first choice: ignore the column
    assert mapping.mapping()["Surname"] == ""
    assert "Last Name" in mapping.problem.text() and not wizard.next.isEnabled()
    qtbot.keyClicks(surname, "Last")
    notes = mapping.combos["Notes"]
    notes.setFocus()
    qtbot.keyClicks(notes, "City")  # passes through "Company", which the Company column keeps
    assert mapping.mapping()["Notes"] == "city" and mapping.mapping()["Company"] == "company"
    assert mapping.problem.text() == "All 6 columns mapped."  # not "6 of 6 …; the others are ignored"
    qtbot.waitUntil(wizard.next.isEnabled)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Fair leads", True))
    qtbot.mouseClick(mapping.save_button, Qt.MouseButton.LeftButton)
    saved = {t.name: t.mapping for t in list_templates(console_engine, "leads")}
    assert saved["Fair leads"]["Notes"] == "city"
    qtbot.mouseClick(mapping.update_, Qt.MouseButton.LeftButton, pos=QPoint(8, mapping.update_.height() // 2))
    assert mapping.duplicate_mode() == "update"

    qtbot.mouseClick(wizard.next, Qt.MouseButton.LeftButton)
    running = wizard.running
    assert running.plan.text() == ("Import fair_contacts_may.csv into Leads of "
                                   f"{wizard.file.workspace.currentText()}: all 6 columns mapped, duplicates updated.")
    with qtbot.waitSignal(running.run_ended, timeout=30000) as ended:
        qtbot.mouseClick(running.dry_button, Qt.MouseButton.LeftButton)
    dry_id, status = ended.args
    assert status == "warning"
    assert f"Dry run #{dry_id} finished with warnings: 3 would be created, 0 updated, 0 skipped, 1 failed." \
        in running.headline.text()
    qtbot.waitUntil(lambda: running.errors.isVisible() and running.errors.rowCount() == 1)
    assert running.errors.item(0, 0).text() == "Row 4"  # the spreadsheet row, named as Error Details names it
    assert running.errors.item(0, 2).text() == "Email field invalid: 'not-an-email'"
    page = window.show_page("batch_jobs")  # the run's Error Details name the row the same way
    with qtbot.waitSignal(page.detail.errors_loaded, timeout=10000):
        page.open_run(dry_id)
    assert page.detail.errors.model.index(0, 0).data() == running.errors.item(0, 0).text()
    assert leads_with(console_engine, "fair.example") == []  # a dry run writes nothing
    assert get_run(console_engine, dry_id).params["dry_run"] is True

    with qtbot.waitSignal(running.run_ended, timeout=30000) as ended:
        qtbot.mouseClick(running.run_button, Qt.MouseButton.LeftButton)
    run_id, status = ended.args
    assert status == "warning" and run_id != dry_id
    assert f"Import #{run_id} finished with warnings: 3 created, 0 updated, 0 skipped, 1 failed." \
        in running.headline.text()
    assert leads_with(console_engine, "fair.example") == [
        ("ines.quinn@fair.example", "Berlin"), ("jonas.rossi@fair.example", "Turin"),
        ("luis.tanaka@fair.example", "Osaka")]
    run = get_run(console_engine, run_id)
    assert (run.file_name, run.module, run.failed, run.created) == ("fair_contacts_may.csv", "leads", 1, 3)
    assert run.params["duplicates"] == "update" and run.params["template"] == "Fair leads"
    assert run.params["mapping"]["Notes"] == "city"

    assert running.failed_button.isVisible()
    target = tmp_path / "failed.csv"
    monkeypatch.setattr("ui.import_wizard.run_step.ask_save_path", lambda *args: str(target))
    with qtbot.waitSignal(running.saved, timeout=10000):
        qtbot.mouseClick(running.failed_button, Qt.MouseButton.LeftButton)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == [*ROWS[0], "Error"]
    assert rows[1][:6] == ROWS[3] and "Email field invalid" in rows[1][6]
    assert len(rows) == 2
    wizard.close()


def test_a_field_taken_by_another_column_is_reported_not_taken_away(qtbot, make_window, tmp_path: Path) -> None:
    source = tmp_path / "fair_leads.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(ROWS)
    window = make_window()
    wizard = drop_file(window, source)
    qtbot.waitUntil(wizard.file.ready, timeout=10000)
    qtbot.mouseClick(wizard.next, Qt.MouseButton.LeftButton)
    mapping = wizard.mapping
    notes = mapping.combos["Notes"]
    notes.setFocus()
    qtbot.keyClicks(notes, "Comp")
    assert mapping.mapping()["Notes"] == "company" and mapping.mapping()["Company"] == "company"
    assert mapping.problem.text() == "✖ Company is chosen for two columns, Company and Notes; pick one."
    assert not wizard.next.isEnabled()
    qtbot.keyClick(notes, Qt.Key.Key_Home)  # back to ignoring Notes: the conflict is gone
    assert mapping.mapping()["Company"] == "company" and mapping.mapping()["Notes"] == ""
    assert mapping.problem.text() == "5 of 6 columns mapped; the others are ignored."
    qtbot.waitUntil(wizard.next.isEnabled)
    wizard.close()


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_its_reason(qtbot, make_window, tmp_path: Path) -> None:
    bogus = tmp_path / "numbers.xlsx"
    bogus.write_text("this is not a workbook", encoding="utf-8")
    window = make_window()
    wizard = window.open_dialog("import", path=str(bogus))
    qtbot.waitUntil(lambda: wizard.file.error.isVisible(), timeout=10000)
    assert wizard.file.error.text().startswith("✖")
    assert not wizard.next.isEnabled()
    wizard.close()


def test_a_workbook_offers_its_sheets_and_previews_the_chosen_one(qtbot, make_window, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Anything"])
    accounts = book.create_sheet("Accounts")
    accounts.append(["Account Name", "Website", "Industry", "Employees"])
    accounts.append(["Fjord Foods", "fjord.example", "Retail", 120])
    path = tmp_path / "crm_export.xlsx"
    book.save(path)
    window = make_window()
    wizard = window.open_dialog("import", path=str(path))
    step = wizard.file
    qtbot.waitUntil(lambda: step.info is not None, timeout=10000)
    assert step.sheet.isVisible() and [step.sheet.itemText(i) for i in range(step.sheet.count())] == ["Notes", "Accounts"]
    step.sheet.setFocus()
    qtbot.keyClick(step.sheet, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: step.info is not None and step.info.sheet == "Accounts", timeout=10000)
    assert step.info.headers == ["Account Name", "Website", "Industry", "Employees"]
    assert step.table.item(0, 3).text() == "120"  # a whole number, not 120.0
    assert step.module_key() == "accounts"
    qtbot.mouseClick(wizard.next, Qt.MouseButton.LeftButton)
    assert wizard.request()["sheet"] == "Accounts"
    wizard.close()


def test_a_long_reason_for_refusing_a_file_is_shown_whole(qtbot, make_window, tmp_path: Path) -> None:
    locked = tmp_path / "quarterly_leads_from_the_partner_portal.xlsx"  # what Excel saves with a password to open
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024 + "EncryptedPackage".encode("utf-16-le"))
    window = make_window()
    wizard = window.open_dialog("import", path=str(locked))
    error = wizard.file.error
    qtbot.waitUntil(error.isVisible, timeout=10000)
    assert "remove the password (File > Info > Protect Workbook)" in error.text()
    # Unwrapped, the label needs the whole sentence's width and shows what fits of it.
    qtbot.waitUntil(lambda: error.minimumSizeHint().width() <= error.width() <= wizard.file.width())
    qtbot.waitUntil(lambda: error.height() >= error.heightForWidth(error.width()))  # every wrapped line shown
    wizard.close()
