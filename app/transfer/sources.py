"""Reading import files: CSV (encoding and delimiter detected) and workbooks (python-calamine).

`open_source(path, sheet)` looks at the file once and returns a `Source` whose `records()`
streams `(row_number, values, problem)`: the spreadsheet row number (header = row 1), the
cells (text for CSV; for workbooks numbers come as floats, dates as date/datetime), and a
one-line problem when the row cannot be read as a whole (it then fails alone).

The import reads `blocks()` of records instead: whole blocks at C speed. How a CSV file's
encoding and delimiter are found is in `app.transfer.detect`; how its records are read, and a
quote left open (`"Acme, 12,x@y.test`) fails its own row instead of swallowing the rows after
it, in `app.transfer.csvparse`.

A field longer than Python's default csv limit (131,072 characters) must not abort the file:
the reader's limit is raised (process-wide) to `HARD_FIELD_LIMIT`, so such a row is read
whole and the importer fails it with a message (`too_long`). Beyond the hard limit the csv
module raises; that row fails and reading continues on the next line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from app.transfer.csvparse import CsvRecords, Failed, Item
from app.transfer.detect import UTF8_FALLBACK, SourceError, detect_csv

SOFT_FIELD_LIMIT = 131072  # Python's default csv.field_size_limit()
HARD_FIELD_LIMIT = 256 * 1024 * 1024
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\x00"
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}

Record = tuple[int, list[Any], str | None]


@dataclass
class Block:
    """`consumed` records read in one go (blank ones included): the rows to import with their
    row numbers, and the records that fail as they are (`problem` set)."""

    consumed: int
    rows: list[list[Any]]
    numbers: Sequence[int]
    problems: list[Record]

    def add(self, number: int, cells: list[Any], problem: str | None) -> None:
        """File one record: a problem fails as it is; a blank record is only consumed."""
        if problem is not None:
            self.problems.append((number, cells, problem))
        elif cells:
            self.rows.append(cells)
            self.numbers.append(number)  # type: ignore[attr-defined]


@dataclass
class SourceInfo:
    path: Path
    format: Literal["csv", "xlsx"]
    headers: list[str]
    estimated_rows: int | None
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    sep_line: bool = False  # the CSV begins with Excel's `sep=;` line (not a row: the header is row 1)


def unique_headers(cells: list[Any]) -> list[str]:
    """Header texts, blanks named `Column N` and repeats numbered, so each column has a name.
    A header our CSV files wrote with a formula guard reads as it was. Invisible marks around
    a name go (a second BOM, a zero-width space pasted with it, a NUL): '\ufeffFirst Name'
    matched no field, and its column was left out of the import without a word."""
    from app.records.fields import unguard
    from app.records.validators import as_text

    seen: dict[str, int] = {}
    names = []
    for i, cell in enumerate(cells, start=1):
        name = unguard(as_text(cell).strip(INVISIBLE).strip()) or f"Column {i}"
        count = seen.get(name.lower(), 0)
        seen[name.lower()] = count + 1
        names.append(name if count == 0 else f"{name} ({count + 1})")
    return names


# --------------------------------------------------------------------------- sources


class Source:
    info: SourceInfo

    def records(self, skip: int = 0) -> Iterator[Record]:
        """Data rows after the header; `skip` passes over that many records unread (resume)."""
        raise NotImplementedError

    def blocks(self, size: int, skip: int = 0) -> Iterator[Block]:
        """The records after `skip` in blocks of `size` (the import reads these)."""
        records = self.records(skip)
        while chunk := list(islice(records, size)):
            block = Block(len(chunk), [], [], [])
            for number, cells, problem in chunk:
                block.add(number, cells, problem)
            yield block

    def close(self) -> None:
        pass


class CsvSource(Source):
    def __init__(self, path: Path) -> None:
        found = detect_csv(path)
        encoding, delimiter, estimate = found.encoding, found.delimiter, found.estimated_rows
        self.path, self.encoding, self.delimiter, self.nul = path, encoding, delimiter, found.nul
        self.lead = 1 + found.sep_line  # records before the data: Excel's `sep=;` line, if any, and the header
        self.errors = UTF8_FALLBACK if encoding.startswith("utf-8") else "strict" if encoding.startswith("utf-16") else "replace"
        with self._open() as handle:
            try:
                first = next(iter(self._header_chunk(handle)), None)
            except UnicodeDecodeError as exc:
                raise SourceError(f"cannot read the header row of {path.name}: {exc}") from None
        header = first[self.lead - 1] if first and len(first) >= self.lead else None
        if isinstance(header, Failed):
            raise SourceError(f"cannot read the header row of {path.name}: {header.message}")
        if not header or not any(h.strip() for h in header):
            raise SourceError(f"{path.name} has no header row (the first line is empty)")
        self.info = SourceInfo(path, "csv", unique_headers(header), estimate, encoding=encoding, delimiter=delimiter,
                               sep_line=found.sep_line)

    def _open(self) -> io.TextIOWrapper:
        return self.path.open("r", encoding=self.encoding, errors=self.errors, newline="")

    def _header_chunk(self, handle: io.TextIOWrapper) -> Iterator[list[Item]]:
        _raise_field_limit()
        for items, _clean in CsvRecords(handle, self.delimiter):
            yield items
            return

    def _items(self, handle: io.TextIOWrapper, skip: int) -> Iterator[tuple[list[Item], bool]]:
        """The records after the header and `skip` more (resume), in chunks, with whether each
        chunk holds cell lists only."""
        drop = self.lead + skip
        _raise_field_limit()
        for items, clean in CsvRecords(handle, self.delimiter, len(self.info.headers)):
            if drop:
                if drop >= len(items):
                    drop -= len(items)
                    continue
                items, drop = items[drop:], 0
            if self.nul:
                items, clean = self._fail_nul(items), False
            yield items, clean

    def _fail_nul(self, items: list[Item]) -> list[Item]:
        """Rows holding a NUL character fail: PostgreSQL text cannot hold one, and a single such
        value made the whole import fail. Their cells, NULs taken out, go to failed records."""
        out: list[Item] = []
        for item in items:
            if item.__class__ is list and any("\x00" in cell for cell in item):  # type: ignore[union-attr]
                where = ", ".join(self._column(i) for i, cell in enumerate(item) if "\x00" in cell)  # type: ignore[arg-type]
                item = Failed([cell.replace("\x00", "") for cell in item],  # type: ignore[union-attr]
                              f"{where} holds a NUL character (byte 0), which no value may contain")
            out.append(item)
        return out

    def _column(self, index: int) -> str:
        headers = self.info.headers
        return headers[index] if index < len(headers) else f"Column {index + 1}"

    def records(self, skip: int = 0) -> Iterator[Record]:
        width = len(self.info.headers)
        number = 1 + skip  # the row number of the last record handed out
        with self._open() as handle:
            for items, _clean in self._items(handle, skip):
                for item in items:
                    number += 1
                    yield self._record(number, item, width)

    def blocks(self, size: int, skip: int = 0) -> Iterator[Block]:
        """The fast path: chunks parsed at C speed are joined into blocks of `size` records, and
        when every row of a block has the header's width (the usual case) it goes on as it is,
        its row numbers a range."""
        width = len(self.info.headers)
        number = 1 + skip  # the row number of the last record read
        raw: list[Item] = []
        clean = True
        with self._open() as handle:
            for items, chunk_clean in self._items(handle, skip):
                while items:
                    take = size - len(raw)
                    if not raw and len(items) <= take:
                        raw = items
                        items = []
                    else:
                        raw.extend(items[:take])
                        items = items[take:]
                    clean = clean and chunk_clean
                    if len(raw) == size:
                        yield self._block(raw, number + 1, width, clean)
                        number, raw, clean = number + size, [], True
            if raw:
                yield self._block(raw, number + 1, width, clean)

    def _block(self, raw: list[Item], first: int, width: int, clean: bool) -> Block:
        if clean and set(map(len, raw)) == {width}:  # type: ignore[arg-type]
            return Block(len(raw), raw, range(first, first + len(raw)), [])  # type: ignore[arg-type]
        block = Block(len(raw), [], [], [])
        for index, item in enumerate(raw):
            block.add(*self._record(first + index, item, width))
        return block

    def _record(self, number: int, item: Item, width: int) -> Record:
        if isinstance(item, Failed):
            return number, item.cells, item.message
        return (number, item, None) if len(item) == width else self._shape(number, item, width)

    @staticmethod
    def _shape(row_number: int, row: list[Any], width: int) -> Record:
        if not row:
            return row_number, row, None
        if len(row) < width:
            return row_number, row + [""] * (width - len(row)), None
        if any(cell.strip() for cell in row[width:]):
            return row_number, row, f"Row has {len(row)} values but the header has {width} columns"
        return row_number, row[:width], None

class WorkbookSource(Source):
    def __init__(self, path: Path, sheet: str | None) -> None:
        self.book = _open_book(path)
        names = list(self.book.sheet_names)
        if not names:
            raise SourceError(f"{path.name} has no sheets")
        if sheet is None:
            chosen = _first_shown(self.book, names)
        elif sheet in names:
            chosen = sheet
        else:
            lowered = {n.lower(): n for n in names}
            if sheet.lower() not in lowered:
                raise SourceError(f"{path.name} has no sheet named {sheet!r}; its sheets: {', '.join(names)}")
            chosen = lowered[sheet.lower()]
        try:
            self.sheet = self.book.get_sheet_by_name(chosen)
        except Exception as exc:
            raise SourceError(f"cannot read sheet {chosen!r} of {path.name}: {exc}") from None
        rows = self.sheet.iter_rows()
        header = next(rows, None)
        if not header or not any(str(h).strip() for h in header):
            others = [n for n in names if n != chosen]
            hint = f"; its other sheets: {', '.join(others)} (choose one)" if others else ""
            raise SourceError(f"sheet {chosen!r} of {path.name} has no header row (the first row is empty){hint}")
        self.info = SourceInfo(path, "xlsx", unique_headers(list(header)), max(0, self.sheet.height - 1),
                               sheets=names, sheet=chosen)

    def records(self, skip: int = 0) -> Iterator[Record]:
        width = len(self.info.headers)
        rows = self.sheet.iter_rows()
        next(rows, None)
        for index, row in enumerate(rows, start=2):
            if index - 1 <= skip:
                continue
            cells = list(row)
            if all(c == "" or c is None for c in cells):
                yield index, [], None
                continue
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            yield index, cells[:width], None

    def close(self) -> None:
        self.book.close()



def _open_book(path: Path) -> Any:
    """The workbook, or a SourceError that says what the file is instead."""
    import python_calamine

    if path.stat().st_size == 0:
        raise SourceError(f"{path.name} is empty (0 bytes): there is no sheet to read")
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise SourceError(_ENCRYPTED.format(name=path.name)) from None
    except Exception as exc:  # calamine raises its own error types for zips and formats
        first = str(exc).splitlines()[0]
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(CFB_MAGIC) and path.suffix.lower() != ".xls":  # an Office container, not a zip
        if _is_encrypted(path):
            raise SourceError(_ENCRYPTED.format(name=path.name))
        raise SourceError(f"{path.name} is an old-format Excel file (.xls) or another Office document, not a "
                          f"{path.suffix} workbook: save it as .xlsx in Excel (or name it .xls) and import it again")
    raise SourceError(f"{path.name} is not a readable spreadsheet ({first})")


_ENCRYPTED = ("{name} is password-protected (encrypted), so it cannot be read: open it in Excel, remove the "
              "password (File > Info > Protect Workbook) and save it, then import it again")
CFB_MAGIC = b"\xd0\xcf\x11\xe0"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted OOXML file keeps its zip in


def _is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        while block := handle.read(SCAN_BYTES):
            if ENCRYPTED_STREAM in block:
                return True
            if len(block) == SCAN_BYTES:
                handle.seek(-len(ENCRYPTED_STREAM), 1)
    return False


SCAN_BYTES = 4 * 1024 * 1024


def _first_shown(book: Any, names: list[str]) -> str:
    """The first sheet a person sees when opening the workbook: hidden sheets and chart sheets
    are passed over (a hidden first sheet, often old data, was imported instead of the one shown)."""
    import python_calamine

    shown = python_calamine.SheetVisibleEnum.Visible
    worksheet = python_calamine.SheetTypeEnum.WorkSheet
    try:
        meta = list(book.sheets_metadata)
    except Exception:  # a format without the metadata: the first sheet
        return names[0]
    return next((m.name for m in meta if m.visible == shown and m.typ == worksheet), names[0])

def _raise_field_limit() -> None:
    if csv.field_size_limit() < HARD_FIELD_LIMIT:
        csv.field_size_limit(HARD_FIELD_LIMIT)


def is_workbook(path: Path) -> bool:
    """The bytes decide before the name: a workbook saved as `.csv` is still read as one (it
    used to be parsed as CSV text and fail with 'no column maps to ...'); a `.xlsx` that is
    not a workbook goes to the workbook reader, which says so."""
    with path.open("rb") as handle:
        if handle.read(4) in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
            return True
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def open_source(path: str | Path, sheet: str | None = None) -> Source:
    """Open a CSV or workbook for reading; raises SourceError with a one-line reason."""
    file = Path(path)
    if not file.is_file():
        raise SourceError(f"no such file: {file}")
    try:
        if is_workbook(file):
            return WorkbookSource(file, sheet)
        if sheet:
            raise SourceError(f"{file.name} is a CSV file: it has no sheets")
        return CsvSource(file)
    except PermissionError:
        raise SourceError(f"cannot read {file}: permission denied") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot decode {file.name}: {exc.reason}") from None


def too_long(column: Sequence[Any]) -> list[int]:
    """Indexes of values longer than Python's default csv field limit, which fail their row."""
    if max(map(len, column), default=0) <= SOFT_FIELD_LIMIT:
        return []
    return [i for i, value in enumerate(column) if len(value) > SOFT_FIELD_LIMIT]


def too_long_message(column_number: int, length: int) -> str:
    return f"Column {column_number} holds {length:,} characters; a value may have at most {SOFT_FIELD_LIMIT:,}"
