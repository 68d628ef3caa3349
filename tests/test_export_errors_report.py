"""'Export errors to Excel': a styled workbook of a run's row errors, stored on the run."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from app.engine import artifacts
from app.transfer.api import enqueue_import, export_errors_report
from tests.engine_support import add_workspace
from tests.import_support import lead, run_to_end, write_csv


def test_error_report_is_styled_and_complete(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    rows = [lead(1), lead(2, email="not-an-email"), lead(3, Phone="12", Status="hot"), lead(4, **{"Last Name": ""})]
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "e.csv", rows), "leads", workspace="main"))
    artifact_id = export_errors_report(engine, run.id)
    with engine.connect() as conn:
        assert artifacts.find(conn, run.id, "error_report") == artifact_id
    path = tmp_path / "report.xlsx"
    artifacts.save_to(engine, artifact_id, path)
    sheet = openpyxl.load_workbook(path)["Errors"]
    header = [c.value for c in sheet[1]]
    assert header == ["Row Number", "Field", "Error", "First Name", "Last Name", "Email", "Phone", "Company", "Status"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I5"
    assert sheet.column_dimensions["C"].width > 20
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[1], r[2]) for r in body] == [
        (3, "email", "Email field invalid: 'not-an-email'"),
        (4, "phone", "Phone field invalid: '12' (2 digits; a phone number has 7 to 20)"),
        (4, "status", "Status field invalid: 'hot' (use new, contacted, qualified or unqualified)"),
        (5, "last_name", "Last Name field is required"),
    ]
    assert body[0][3:] == ["First2", "Last2", "not-an-email", "+49 30 1234567", "Company 2", "new"]
    assert body[3][4] is None  # the blank Last Name stays blank


def test_error_report_of_a_run_without_errors(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "ok.csv", [lead(1)]), "leads", workspace="main"))
    path = tmp_path / "none.xlsx"
    artifacts.save_to(engine, export_errors_report(engine, run.id), path)
    sheet = openpyxl.load_workbook(path)["Errors"]
    assert sheet["A2"].value == "This run recorded no errors."


def test_error_report_continues_on_further_sheets(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More errors than a sheet holds go on to 'Errors (2)', ... with the header repeated (a
    sheet of 4 rows here stands for 1 + 1,048,575); none is dropped."""
    from app.transfer import export

    monkeypatch.setattr(export, "SHEET_ROWS", 4)
    add_workspace(engine)
    rows = [lead(i, email=f"bad{i}") for i in range(7)]
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "e.csv", rows), "leads", workspace="main"))
    path = tmp_path / "report.xlsx"
    artifacts.save_to(engine, export_errors_report(engine, run.id), path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Errors", "Errors (2)", "Errors (3)"]
    assert [ws.max_row for ws in book.worksheets] == [4, 4, 2]
    assert all(ws["A1"].value == "Row Number" and ws.freeze_panes == "A2" for ws in book.worksheets)
    assert [c.value for ws in book.worksheets for (c,) in ws.iter_rows(min_row=2, max_col=1)] == list(range(2, 9))
