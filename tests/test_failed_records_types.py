"""The failed-records file of a workbook gives each cell back with the type it came as: a date
cell stays a date cell with a date format (not ISO text), numbers stay numbers, and the file,
fixed in a spreadsheet, re-imports. The error details and the error report show the row as
before; a CSV import's failed-records file stays text in the source's own format."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import python_calamine
import xlsxwriter
from sqlalchemy import Engine

from app.engine import history
from app.transfer.api import enqueue_import, rerun_failed
from app.transfer.failed import write_error_report
from tests.engine_support import add_workspace
from tests.import_support import rows_of, run_to_end, saved_artifact, write_csv

HEADERS = ["Last Name", "Email", "Created At", "Phone", "Score", "Met At", "Call Length", "VIP", "Note"]


def _book(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Leads")
    day = book.add_format({"num_format": "dd.mm.yyyy"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    clock = book.add_format({"num_format": "hh:mm"})
    span = book.add_format({"num_format": "[h]:mm:ss"})
    sheet.write_row(0, 0, HEADERS)
    for row, (name, email) in enumerate([("Berg", "berg@firm.example.com"), ("Costa", "not-an-email")], start=1):
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, email)
        sheet.write_datetime(row, 2, dt.datetime(2024, 5, 31), day)  # a date cell
        sheet.write_number(row, 3, 4930123456)
        sheet.write_number(row, 4, 12.5)
        sheet.write_datetime(row, 5, dt.datetime(2024, 6, 1, 14, 45), stamp)
        sheet.write_datetime(row, 6, dt.time(0, 30), clock)
        sheet.write_number(row, 7, 1.5, span)  # a duration: a day and a half
        sheet.write_boolean(row, 8, True)
    sheet.write_string(2, 8, "2024-07-01")  # text that looks like a date stays text
    book.close()
    return path


def test_a_workbooks_failed_records_keep_their_cell_types_and_reimport(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    mapping = {"Score": "", "Met At": "", "Call Length": "", "VIP": "", "Note": ""}
    run = run_to_end(engine, enqueue_import(engine, _book(tmp_path / "in.xlsx"), "leads", workspace="main",
                                            mapping=mapping))
    assert (run.created, run.failed) == (1, 1)
    failed = saved_artifact(engine, "failed_records", run.id, tmp_path / "failed.xlsx")
    got = list(python_calamine.CalamineWorkbook.from_path(str(failed)).get_sheet_by_name("Leads").iter_rows())
    assert got == [[*HEADERS, "Error"],
                   ["Costa", "not-an-email", dt.date(2024, 5, 31), 4930123456.0, 12.5, dt.datetime(2024, 6, 1, 14, 45),
                    dt.time(0, 30), dt.timedelta(days=1, hours=12), "2024-07-01", "Email field invalid: 'not-an-email'"]]
    sheet = openpyxl.load_workbook(failed)["Leads"]
    assert [sheet.cell(2, c).is_date for c in range(1, 10)] == [False, False, True, False, False, True, True, True, False]
    assert sheet.cell(2, 3).number_format == "yyyy-mm-dd" and sheet.cell(2, 4).data_type == "n"

    sheet.cell(2, 2).value = "costa@firm.example.com"  # fixed in a spreadsheet, the Error column left in place
    sheet.cell(2, 3).value = dt.datetime(2023, 1, 15)
    fixed = tmp_path / "fixed.xlsx"
    sheet.parent.save(fixed)
    child = run_to_end(engine, rerun_failed(engine, run.id, fixed))
    assert (child.created, child.failed) == (1, 0)
    assert rows_of(engine, "leads", "email", "created_at", "phone")[-1] == (
        "costa@firm.example.com", dt.datetime(2023, 1, 15), "4930123456")


def test_error_details_and_report_show_the_row_as_it_was(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    run = run_to_end(engine, enqueue_import(engine, _book(tmp_path / "in.xlsx"), "leads", workspace="main"))
    raw = history.row_errors(engine, run.id)[0]["raw"]
    assert raw == {"Last Name": "Costa", "Email": "not-an-email", "Created At": "2024-05-31", "Phone": 4930123456.0,
                   "Score": 12.5, "Met At": "2024-06-01T14:45:00", "Call Length": "00:30:00",
                   "VIP": "1 day, 12:00:00", "Note": "2024-07-01"}
    report = write_error_report(engine, run.id, tmp_path / "report.xlsx") and tmp_path / "report.xlsx"
    rows = list(python_calamine.CalamineWorkbook.from_path(str(report)).get_sheet_by_name("Errors").iter_rows())
    assert rows[0] == ["Row Number", "Field", "Error", *HEADERS]
    assert rows[1][3:] == ["Costa", "not-an-email", dt.date(2024, 5, 31), 4930123456.0, 12.5,
                           dt.datetime(2024, 6, 1, 14, 45), dt.time(0, 30), dt.timedelta(days=1, hours=12), "2024-07-01"]


def test_a_csv_imports_failed_records_stay_text_in_its_format(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    rows = [["Berg", "berg@firm.example.com", "2024-05-31", "0049 30 1234567"],
            ["Costa", "not-an-email", "31.05.2024 garbage", "007"]]
    path = write_csv(tmp_path / "in.csv", rows, ["Last Name", "Email", "Created At", "Phone"], encoding="cp1252",
                     delimiter=";")
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main"))
    assert run.failed == 1
    failed = saved_artifact(engine, "failed_records", run.id, tmp_path / "failed.csv")
    with failed.open(encoding="cp1252", newline="") as handle:
        got = list(csv.reader(handle, delimiter=";"))
    assert got == [["Last Name", "Email", "Created At", "Phone", "Error"],
                   ["Costa", "not-an-email", "31.05.2024 garbage", "007", got[1][4]]]
    assert got[1][4].startswith("Email field invalid: 'not-an-email'")
