"""The detail pane's file actions on a real import with bad rows: Download Failed Records and
Export Errors to Excel, saved where the (stubbed) save dialog says."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.engine.runs import get_run
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import

ROWS = [
    ["First Name", "Last Name", "Email"],
    ["Ada", "Lovelace", "ada@example.com"],
    ["Bad", "Row", "not-an-email"],
    ["Alan", "Turing", "alan@example.com"],
    ["No", "", "nolast@example.com"],
]


def test_download_failed_records_and_export_errors(make_window, console_engine, qtbot, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "leads.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(ROWS)
    window = make_window(workers=1)
    page = window.show_page("batch_jobs")
    run_id = enqueue_import(console_engine, source, "leads")
    window.console.open_run(run_id)
    pane = page.detail
    qtbot.waitUntil(lambda: pane.chip.text() == "Warning" and pane.buttons["failed_records"].isEnabled(), timeout=30000)
    assert get_run(console_engine, run_id).status is RunStatus.WARNING
    assert pane.summary.values["failed"].text() == "2"

    targets = iter([tmp_path / "failed.csv", tmp_path / "errors.xlsx"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(next(targets)), ""))
    with qtbot.waitSignal(pane.action_done, timeout=10000):
        qtbot.mouseClick(pane.buttons["failed_records"], Qt.MouseButton.LeftButton)
    with (tmp_path / "failed.csv").open(encoding="utf-8-sig", newline="") as handle:
        failed = list(csv.reader(handle))
    assert failed[0][:3] == ROWS[0] and failed[0][-1] == "Error"
    assert [row[2] for row in failed[1:]] == ["not-an-email", "nolast@example.com"]

    assert pane.buttons["export_errors"].isVisible() and pane.buttons["export_errors"].isEnabled()
    with qtbot.waitSignal(pane.action_done, timeout=20000):
        qtbot.mouseClick(pane.buttons["export_errors"], Qt.MouseButton.LeftButton)
    sheet = openpyxl.load_workbook(tmp_path / "errors.xlsx", read_only=True).active
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert "not-an-email" in text
