"""Import files end to end on both backends: every encoding, delimiter and line end, quoted
fields, workbooks read from their first sheet with floats and dates, and files that cannot
be imported at all ending their run as `failed` with one line and nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import Engine

from app.engine import history
from app.engine.runs import enqueue
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import HEADERS, count, lead, rows_of, run_to_end, write_csv

# Each encoding with two delimiters and both line ends; each delimiter with two encodings and
# both line ends (the reader alone is tested on the whole grid in test_import_sources.py).
FORMATS = [("utf-8", ",", "\r\n"), ("utf-8", ";", "\n"), ("utf-8-sig", "\t", "\r\n"), ("utf-8-sig", ",", "\n"),
           ("cp1252", ";", "\r\n"), ("cp1252", "\t", "\n")]


@pytest.mark.parametrize(("encoding", "delimiter", "ending"), FORMATS)
def test_each_encoding_delimiter_and_line_end(engine: Engine, tmp_path: Path, encoding: str, delimiter: str,
                                              ending: str) -> None:
    add_workspace(engine)
    company = f'Café{delimiter} "Bistro"\nsecond line, and more'  # the delimiter, quotes and a newline, quoted
    rows = [lead(1, **{"First Name": "Zoë", "Last Name": "Müller-Lüdenscheidt"}),
            lead(2, Company=company, **{"First Name": "Renée"}),
            lead(3, email="not-an-email"),  # row 4: the multi-line row above is one spreadsheet row
            lead(4, **{"Last Name": "Œuvre “Quote”"})]
    path = write_csv(tmp_path / "in.csv", rows, encoding=encoding, delimiter=delimiter, lineterminator=ending)
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main"))
    assert (run.status, run.processed, run.created, run.failed) == (RunStatus.WARNING, 4, 3, 1)
    assert run.result and run.result["source"]["encoding"] == encoding
    assert run.result["source"]["delimiter"] == delimiter
    assert rows_of(engine, "leads", "first_name", "last_name", "company") == [
        ("Zoë", "Müller-Lüdenscheidt", "Company 1"), ("Renée", "Last2", company), ("First4", "Œuvre “Quote”", "Company 4")]
    errors = history.row_errors(engine, run.id)
    assert [(e["row_number"], e["message"]) for e in errors] == [(4, "Email field invalid: 'not-an-email'")]


def _accounts_book(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Accounts")  # the first sheet: read when no sheet is named
    sheet.write_row(0, 0, ["Account Name", "Website", "Employees", "Industry"])
    sheet.write_row(1, 0, ["Acme Ltd", "acme.example"])
    sheet.write_number(1, 2, 250)  # comes back as 250.0
    sheet.write_row(1, 3, ["Tools"])
    sheet.write_row(2, 0, ["Beta GmbH", "beta.example"])
    sheet.write_number(2, 2, 12.5)  # not a whole number: fails
    sheet.write_row(3, 0, ["Gamma", "", "", "Retail"])
    book.add_worksheet("Notes").write_row(0, 0, ["Account Name", "Employees"])
    book.close()
    return path


def test_workbook_first_sheet_and_whole_numbers_from_floats(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    run = run_to_end(engine, enqueue_import(engine, _accounts_book(tmp_path / "a.xlsx"), "accounts", workspace="main"))
    assert run.result and run.result["source"]["sheet"] == "Accounts"
    assert (run.processed, run.created, run.failed) == (3, 2, 1)
    assert rows_of(engine, "accounts", "name", "domain", "employees", "industry") == [
        ("Acme Ltd", "acme.example", 250, "Tools"), ("Gamma", None, None, "Retail")]
    assert history.row_errors(engine, run.id)[0]["row_number"] == 3


def test_workbook_dates_times_and_excel_serials(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    path = tmp_path / "dates.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Leads")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, ["Last Name", "Email", "Created At", "Phone"])
    sheet.write_row(1, 0, ["Berg", "berg@firm.example.com"])
    sheet.write_datetime(1, 2, dt.datetime(2024, 5, 31, 14, 45), stamp)  # a date-time cell
    sheet.write_number(1, 3, 4930123456)  # a phone typed as a number
    sheet.write_row(2, 0, ["Costa", "costa@firm.example.com"])
    sheet.write_number(2, 2, 45000)  # an Excel serial date in a plain number cell
    sheet.write_row(3, 0, ["Dubois", "dubois@firm.example.com", "2023-02-01T08:00:00"])
    book.close()
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main"))
    assert (run.created, run.failed) == (3, 0), history.row_errors(engine, run.id)
    assert rows_of(engine, "leads", "last_name", "created_at", "phone") == [
        ("Berg", dt.datetime(2024, 5, 31, 14, 45), "4930123456"), ("Costa", dt.datetime(2023, 3, 15), None),
        ("Dubois", dt.datetime(2023, 2, 1, 8), None)]


def _queued_without_checks(engine: Engine, path: Path) -> int:
    """As `batchdesk run import --set file=PATH` queues it: the file is read by the worker only."""
    return enqueue(engine, "import", {"module": "leads", "file": str(path)}, workspace="main")


def test_files_that_cannot_be_imported_fail_their_run_in_one_line(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("First Name,Last Name,Email\nA,B,a@firm.example.com\n", encoding="utf-8")
    no_key = write_csv(tmp_path / "nokey.csv", [["Berg", "Anna"]], ["Last Name", "First Name"])
    cases = [(empty, "empty.csv is empty: there is no header row"),
             (fake, "fake.xlsx is not a readable spreadsheet"),
             (no_key, "required field Email (email)")]
    for path, message in cases:
        run = run_to_end(engine, _queued_without_checks(engine, path))
        assert run.status is RunStatus.FAILED, (path.name, run.status)
        assert run.error and message in run.error and "\n" not in run.error, run.error
        assert run.processed == 0 and run.created == 0  # refused before any row
    assert count(engine, "leads") == 0


def test_header_only_file_completes_with_nothing_to_do(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "h.csv", [], HEADERS), "leads", workspace="main"))
    assert run.status is RunStatus.COMPLETED
    assert (run.total, run.processed, run.created, run.failed) == (0, 0, 0, 0)
