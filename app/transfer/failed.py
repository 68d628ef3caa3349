"""Files made from a run's row errors: the failed-records file and the Excel error report.

Both are built from the `job_row_errors` table, not from memory, so they are right after a
resume, on any workstation, and for any run.

Failed records: the same format as the source (CSV keeps its delimiter and encoding, BOM
included; a workbook becomes XLSX), only the failed rows with their original values, and an
`Error` column appended (or refreshed, when the file already was a failed-records file). In a
workbook each cell keeps its type: numbers are numbers, and date, date-time, time and duration
cells come back as date cells with a format that shows them (`app.transfer.rawcells` keeps
their kinds with the row error), so the rows, fixed in Excel, re-import as they came. In
CSV a value a spreadsheet would run as a formula gets the export's quote in front
(`app.records.fields.guard`), which the import takes off again: the round trip is exact.
Error report: a styled workbook (bold frozen header, filters, widths) of row number, field,
error and the raw row's columns, for any run.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import Engine, select

from app.db import tables
from app.records.fields import guard
from app.transfer import export
from app.transfer.rawcells import cell_values, typed

errors_table = tables.job_row_errors
ERROR_COLUMN = "Error"
XLSX_MAX_CELL = 32767


def _error_rows(engine: Engine, run_id: int) -> Iterator[tuple[int | None, str | None, str, Any]]:
    stmt = (select(errors_table.c.row_number, errors_table.c.field, errors_table.c.message, errors_table.c.raw)
            .where(errors_table.c.run_id == run_id).order_by(errors_table.c.row_number.nulls_last(), errors_table.c.id))
    with engine.connect() as conn:
        for row in conn.execute(stmt.execution_options(stream_results=True, yield_per=2000)):
            yield row.row_number, row.field, row.message, row.raw


def failed_rows(engine: Engine, run_id: int) -> Iterator[tuple[dict[str, Any], dict[str, str], str]]:
    """Each failed row once: its values by column, the kinds of its typed cells (dates), and all
    its messages joined by `; `."""
    current: int | None = None
    raw: Any = None
    messages: list[str] = []
    for row_number, _field, message, row_raw in _error_rows(engine, run_id):
        if row_number != current and messages:
            yield (*cell_values(raw), "; ".join(messages))
            messages = []
        if row_number != current or not messages:
            raw = row_raw
        current = row_number
        messages.append(message)
    if messages:
        yield (*cell_values(raw), "; ".join(messages))


def _columns(engine: Engine, run_id: int, headers: list[str]) -> list[str]:
    columns = [h for h in headers if h != ERROR_COLUMN]
    seen = set(columns)
    for values, _, _ in failed_rows(engine, run_id):
        for name in values:
            if name not in seen and name != ERROR_COLUMN:
                seen.add(name)
                columns.append(name)
    return columns


def write_failed_records(engine: Engine, run_id: int, source: dict[str, Any], dest: Path) -> int:
    """Write the failed rows of a run to `dest`; returns how many. `source` describes the
    imported file: format, headers, and for CSV its encoding and delimiter."""
    columns = _columns(engine, run_id, list(source.get("headers") or []))
    if source.get("format") == "xlsx":
        return _failed_xlsx(engine, run_id, columns, dest, source.get("sheet") or "Failed records")
    count = 0
    with dest.open("w", encoding=source.get("encoding") or "utf-8", errors="replace", newline="") as handle:
        delimiter = source.get("delimiter") or ","
        if source.get("sep_line"):  # as the source had it, so Excel splits the columns the same way
            handle.write(f"sep={delimiter}\r\n")
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow([*map(guard, columns), ERROR_COLUMN])
        for values, _, message in failed_rows(engine, run_id):
            writer.writerow([guard(_text(values.get(c))) for c in columns] + [guard(message)])
            count += 1
    return count


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Cells:
    """Writes cells of their own type: strings stay strings (never formulas), numbers numbers,
    and dates, times and durations date cells with a format that shows them."""

    FORMATS = {dt.datetime: "yyyy-mm-dd hh:mm:ss", dt.date: "yyyy-mm-dd", dt.time: "hh:mm:ss",
               dt.timedelta: "[h]:mm:ss"}

    def __init__(self, book: Any) -> None:
        self.formats = {kind: book.add_format({"num_format": text}) for kind, text in self.FORMATS.items()}

    def write(self, sheet: Any, row: int, col: int, value: Any) -> None:
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value)
        elif (style := self.formats.get(type(value))) is not None:
            sheet.write_datetime(row, col, value, style)
        elif value is not None and value != "":
            sheet.write_string(row, col, str(value)[:XLSX_MAX_CELL])


def _failed_xlsx(engine: Engine, run_id: int, columns: list[str], dest: Path, sheet_name: str) -> int:
    book = xlsxwriter.Workbook(str(dest), {"constant_memory": True, "strings_to_formulas": False})
    cells = Cells(book)
    sheet = book.add_worksheet(sheet_name[:31])
    for col, name in enumerate([*columns, ERROR_COLUMN]):
        sheet.write_string(0, col, name)
    count = 0
    for values, kinds, message in failed_rows(engine, run_id):
        count += 1
        for col, name in enumerate(columns):
            cells.write(sheet, count, col, typed(values.get(name), kinds.get(name)))
        sheet.write_string(count, len(columns), message[:XLSX_MAX_CELL])
    book.close()
    return count


def write_error_report(engine: Engine, run_id: int, dest: Path) -> int:
    """The styled 'Export errors to Excel' workbook; returns the number of errors written.
    Streamed (constant memory), and like an export it goes on to a further sheet, header
    repeated, after 1,048,575 errors: xlsxwriter silently drops rows past a sheet's end."""
    columns: list[str] = []
    seen: set[str] = set()
    for _, _, _, raw in _error_rows(engine, run_id):
        for name in cell_values(raw)[0]:
            if name not in seen:
                seen.add(name)
                columns.append(name)
    book = xlsxwriter.Workbook(str(dest), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False})
    cells = Cells(book)
    header = book.add_format({"bold": True, "bg_color": "#DDE4EE", "bottom": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    titles = ["Row Number", "Field", "Error", *columns]
    widths = [len(t) + 2 for t in titles]
    sheets: list[tuple[Any, int]] = []  # each sheet with its last row

    def new_sheet() -> Any:
        sheet = book.add_worksheet("Errors" if not sheets else f"Errors ({len(sheets) + 1})")
        for col, title in enumerate(titles):
            sheet.write_string(0, col, title, header)
        sheets.append((sheet, 0))
        return sheet

    sheet, row, count = new_sheet(), 0, 0
    for row_number, field, message, raw in _error_rows(engine, run_id):
        if row >= export.SHEET_ROWS - 1:
            sheets[-1] = (sheet, row)
            sheet, row = new_sheet(), 0
        count += 1
        row += 1
        if row_number is not None:
            sheet.write_number(row, 0, row_number)
        found, kinds = cell_values(raw)
        values: list[Any] = [field or "", message, *(typed(found.get(c), kinds.get(c)) for c in columns)]
        for offset, value in enumerate(values, start=1):
            cells.write(sheet, row, offset, value)
            widths[offset] = max(widths[offset], min(60, len(_text(value)) + 2))
    sheets[-1] = (sheet, row)
    if count == 0:
        sheet.write_string(1, 0, "This run recorded no errors.")
    for sheet, last in sheets:
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(last, 1), len(titles) - 1)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width, wrap if col == 2 else None)
    book.close()
    return count
