"""A file's bytes decide its format before its name: an Excel workbook saved as `.csv` imports
as a workbook (and its failed records come back as XLSX); a text file named `.xlsx` is refused
as not a spreadsheet, in one line, before a run exists."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from app.engine.status import RunStatus
from app.transfer.api import TransferError, enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import HEADERS, count, lead, run_to_end


def test_workbook_named_csv_imports_as_a_workbook(engine, tmp_path: Path):
    add_workspace(engine, "main")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(lead(1))
    sheet.append(lead(2, email="not-an-email"))
    path = tmp_path / "export from excel.csv"
    book.save(path)
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main"))
    assert (run.created, run.failed) == (1, 1) and run.status is RunStatus.WARNING, run.error
    assert run.result is not None and run.result["source"]["format"] == "xlsx"
    assert count(engine, "leads") == 1


def test_text_named_xlsx_is_refused(engine, tmp_path: Path):
    path = tmp_path / "leads.xlsx"
    path.write_text("First Name,Last Name,Email\nAnn,Lee,ann@lee.example\n", encoding="utf-8")
    with pytest.raises(TransferError, match="leads.xlsx is not a readable spreadsheet"):
        enqueue_import(engine, path, "leads", workspace="main")
