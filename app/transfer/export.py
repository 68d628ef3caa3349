"""Export writers: records of a module, a filter and columns to CSV or XLSX, streamed.

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell starting with `=`,
`+`, `-`, `@`, TAB or CR as a formula. In CSV such a text value leaves with a single quote
(`'`) in front — OWASP's recommended prefix — so Excel shows it as text; our import strips
that quote again, so an export re-imports unchanged. Numbers and dates are not prefixed (a
negative number is no formula). In XLSX every text value is written as a string cell, which
a spreadsheet never evaluates, so nothing needs a prefix there.

On PostgreSQL the CSV is produced by `COPY (SELECT ...) TO STDOUT` with the prefix applied
in the SELECT, so the database formats the rows at COPY speed; elsewhere `csv.writer` over
a streamed cursor. XLSX goes through xlsxwriter in constant-memory mode, strings as
strings, and continues on a new sheet after 1,048,575 data rows (a sheet holds 1,048,576).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import xlsxwriter
from sqlalchemy import Connection, Select, String, Text, and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from app.db import tables
from app.records.fields import FORMULA_START, guard, module_fields
from app.records.filters import where_clause
from app.records.modules import module_table
from app.transfer.copyout import CopyFailed, CopyStream
from app.transfer.copysplit import SplitCopy
from app.transfer.mapping import normalize

SHEET_ROWS = 1_048_576
OWNER = tables.employees.alias("owner")
ACCOUNT = tables.accounts.alias("account")
EXTRA = {"id": "ID", "score": "Score", "scored_at": "Scored At", "created_at": "Created At", "updated_at": "Updated At"}


class ExportError(ValueError):
    pass


@dataclass(frozen=True)
class ExportColumn:
    key: str
    label: str
    expr: ColumnElement[Any]
    text: bool


def file_name(module: str, run_date: dt.date, run_id: int, fmt: str) -> str:
    """The name an export run gives its file (and shows in the history's File Name column)."""
    return f"{module}-{run_date.isoformat()}-run{run_id}.{fmt}"


def available_columns(module: str) -> list[ExportColumn]:
    """ID, the module's fields (owner as e-mail, account as name), then the record's times."""
    table = module_table(module)
    out = [ExportColumn("id", "ID", table.c.id, False)]
    for fd in module_fields(module):
        if fd.key == "owner":
            expr: ColumnElement[Any] = OWNER.c.email
        elif fd.key == "account":
            expr = ACCOUNT.c.name
        else:
            expr = table.c[fd.key]
        out.append(ExportColumn(fd.key, fd.label, expr, isinstance(expr.type, String | Text)))
    for key in ("score", "scored_at", "created_at", "updated_at"):
        if key in table.c and key not in {c.key for c in out}:
            out.append(ExportColumn(key, EXTRA[key], table.c[key], False))
    return out


def choose_columns(module: str, wanted: list[str] | None) -> list[ExportColumn]:
    """The named columns (by key or label, any case/spacing), or all of them."""
    columns = available_columns(module)
    if not wanted:
        return columns
    by_name: dict[str, ExportColumn] = {}
    for col in columns:
        by_name.setdefault(normalize(col.key), col)
        by_name.setdefault(normalize(col.label), col)
    chosen = []
    for name in wanted:
        found = by_name.get(normalize(name))
        if found is None:
            raise ExportError(f"{module} have no column {name!r}; columns: {', '.join(c.key for c in columns)}")
        chosen.append(found)
    return chosen


def export_query(module: str, columns: list[ExportColumn], filters: list[str], workspace_id: int | None,
                 guard: bool = False) -> Select[Any]:
    table = module_table(module)
    source = table.outerjoin(OWNER, OWNER.c.id == table.c.owner_id)
    if "account_id" in table.c:
        source = source.outerjoin(ACCOUNT, ACCOUNT.c.id == table.c.account_id)
    exprs = [(_guarded(c.expr) if guard and c.text else c.expr).label(c.key) for c in columns]
    return select(*exprs).select_from(source).where(where_clause(module, filters, workspace_id)).order_by(table.c.id)


FORMULA_CODES = sorted(map(ord, FORMULA_START))


def _guarded(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    """PostgreSQL: ascii() of the first character is an integer test (a substr() IN (...) test
    doubled the COPY's time). Every formula character is below 'A', so `< 65` settles most
    values (names, e-mails) in one comparison before the list is searched: measured on a
    million leads, 0.8-1.0 s of server time for the query became 0.5-0.7 s (0.3 s unguarded)."""
    first = func.ascii(expr)
    return case((and_(first < 65, first.in_(FORMULA_CODES)), literal("'") + expr), else_=expr)


def count_rows(conn: Connection, module: str, filters: list[str], workspace_id: int | None) -> int:
    table = module_table(module)
    stmt = select(func.count()).select_from(table).where(where_clause(module, filters, workspace_id))
    return int(conn.execute(stmt).scalar_one())


def _stream(conn: Connection, stmt: Select[Any]) -> Iterator[Any]:
    result = conn.execute(stmt.execution_options(stream_results=True, yield_per=10_000))
    for part in result.partitions():
        yield from part


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str):
        return guard(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return value


def write_csv(conn: Connection, stmt: Select[Any], columns: list[ExportColumn], dest: Path,
              progress: Callable[[int], None]) -> int:
    """csv.writer over a streamed cursor (SQLite, or any backend); UTF-8 with BOM for Excel."""
    rows = 0
    with dest.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)  # \r\n ends rows, so a lone CR in a value is quoted too
        writer.writerow([c.label for c in columns])
        for row in _stream(conn, stmt):
            writer.writerow([_csv_cell(v) for v in row])
            rows += 1
            if rows % 10_000 == 0:
                progress(10_000)
    progress(rows % 10_000)
    return rows


SPLIT_ROWS = 200_000  # from this many rows on, two COPYs side by side (app/transfer/copysplit.py)


@contextlib.contextmanager
def copy_csv(conn: Connection, module: str, columns: list[ExportColumn], filters: list[str],
             workspace_id: int | None, progress: Callable[[int], None], total: int = 0) -> Iterator[CopyStream | SplitCopy]:
    """PostgreSQL: the CSV (BOM, header, rows with the formula guard) as a stream read from
    `COPY (SELECT ...) TO STDOUT`; the database formats every row. `total` rows or more
    (what the caller counted in this transaction) go as two halves, side by side."""
    stmt = export_query(module, columns, filters, workspace_id, guard=True)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([c.label for c in columns])
    head = header.getvalue().encode("utf-8-sig")
    raw: Any = conn.connection.driver_connection
    middle = _middle_id(conn, module, filters, workspace_id) if total >= SPLIT_ROWS else None
    if middle is None:
        stream = CopyStream(raw.pgconn, _copy_statement(conn, stmt), head, progress)
        try:
            yield stream
        finally:
            _read_away(stream, raw)
        return
    table = module_table(module)
    split = SplitCopy(conn, _copy_statement(conn, stmt.where(table.c.id < middle)),
                      _copy_statement(conn, stmt.where(table.c.id >= middle)), head, progress)
    try:
        yield split
    finally:
        try:
            split.stop_second_half()
            _read_away(split.stream, raw)
        finally:
            split.close()


def _copy_statement(conn: Connection, stmt: Select[Any]) -> bytes:
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    raw: Any = conn.connection.driver_connection
    return psycopg.ClientCursor(raw).mogrify(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.params).encode()


def _middle_id(conn: Connection, module: str, filters: list[str], workspace_id: int | None) -> int | None:
    """Halfway between the first and the last id exported (two quick index look-ups)."""
    table = module_table(module)
    low, high = conn.execute(select(func.min(table.c.id), func.max(table.c.id))
                             .where(where_clause(module, filters, workspace_id))).one()
    return None if low is None or high <= low else (int(low) + int(high) + 1) // 2


def _read_away(stream: CopyStream, raw: Any) -> None:
    """Stopped half-way: cancel, then read the results to the end (the connection stays usable)."""
    if not stream.ended:
        stream.progress = lambda _rows: None
        raw.cancel_safe()
        with contextlib.suppress(CopyFailed):
            while not stream.ended:
                stream.read(1 << 20)


class SheetWriter:
    """xlsxwriter in constant-memory mode; a new sheet (header repeated) every 1,048,575 rows."""

    def __init__(self, dest: Path, title: str, headers: list[str]) -> None:
        self.book = xlsxwriter.Workbook(str(dest), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False, "default_date_format": "yyyy-mm-dd hh:mm:ss"})
        self.bold = self.book.add_format({"bold": True})
        self.title, self.headers = title[:25], headers
        self.sheets = 0
        self.row = SHEET_ROWS
        self.sheet: Any = None

    def _next_sheet(self) -> None:
        self.sheets += 1
        name = self.title if self.sheets == 1 else f"{self.title} ({self.sheets})"
        self.sheet = self.book.add_worksheet(name)
        for col, header in enumerate(self.headers):
            self.sheet.write_string(0, col, header, self.bold)
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def write(self, values: Any) -> None:
        """One row. With the workbook's options xlsxwriter writes str as a string cell (never a
        formula, number or link), numbers as numbers, datetimes with the default date format."""
        if self.row >= SHEET_ROWS:
            self._next_sheet()
        self.sheet.write_row(self.row, 0, values)
        self.row += 1

    def close(self) -> None:
        if self.sheet is None:
            self._next_sheet()
        self.book.close()


def write_xlsx(conn: Connection, stmt: Select[Any], columns: list[ExportColumn], dest: Path, title: str,
               progress: Callable[[int], None]) -> tuple[int, int]:
    """Returns (rows, sheets)."""
    out = SheetWriter(dest, title, [c.label for c in columns])
    rows = 0
    try:
        for row in _stream(conn, stmt):
            out.write(row)
            rows += 1
            if rows % 10_000 == 0:
                progress(10_000)
    finally:
        out.close()
    progress(rows % 10_000)
    return rows, out.sheets
