"""What a file is, from its bytes. Its format before its name: an Excel workbook saved as
`.csv` imports as a workbook (and its failed records come back as XLSX); a text file named
`.xlsx` is refused as not a spreadsheet, in one line, before a run exists. Its encoding row by
row where a UTF-8 file holds a stray cp1252 row."""

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


def test_utf8_file_with_one_cp1252_row_keeps_its_accents(engine, tmp_path: Path):
    """A UTF-8 file with one row pasted from a cp1252 file: every row reads right (the stray
    bytes as cp1252), instead of the whole file being read as cp1252 ('ZoÃ«')."""
    from tests.import_support import rows_of

    add_workspace(engine, "main")
    path = tmp_path / "mixed.csv"
    body = "First Name,Last Name,Email\n" + "".join(f"Zoë,Müller{i},z{i}@firm.example.com\n" for i in range(50))
    path.write_bytes(body.encode("utf-8") + "René,Dupré,rene@firm.example.com\n".encode("cp1252"))
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main"))
    assert run.status is RunStatus.COMPLETED and run.created == 51, run.error
    assert run.result is not None and run.result["source"]["encoding"] == "utf-8"
    names = rows_of(engine, "leads", "first_name", "last_name")
    assert names[0] == ("Zoë", "Müller0") and names[-1] == ("René", "Dupré")
