"""Reading import files: CSV (encoding and delimiter detected) and workbooks (python-calamine).

`open_source(path, sheet)` looks at the file once and returns a `Source` whose `records()`
streams `(row_number, values, problem)`: the spreadsheet row number (header = row 1), the
cells (text for CSV; for workbooks numbers come as floats, dates as date/datetime), and a
one-line problem when the row cannot be read as a whole (it then fails alone).

The import reads `blocks()` of records instead: whole blocks at C speed. How a CSV file's
encoding and delimiter are found is in `app.transfer.detect`.

A field longer than Python's default csv limit (131,072 characters) must not abort the file:
the reader's limit is raised (process-wide) to `HARD_FIELD_LIMIT`, so such a row is read
whole and the importer fails it with a message (`too_long`). Beyond the hard limit the csv
module raises; that row fails and reading continues on the next line.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from app.transfer.detect import UTF8_FALLBACK, SourceError, detect_csv

SOFT_FIELD_LIMIT = 131072  # Python's default csv.field_size_limit()
HARD_FIELD_LIMIT = 256 * 1024 * 1024
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


def unique_headers(cells: list[Any]) -> list[str]:
    """Header texts, blanks named `Column N` and repeats numbered, so each column has a name.
    A header our CSV files wrote with a formula guard reads as it was."""
    from app.records.fields import unguard
    from app.records.validators import as_text

    seen: dict[str, int] = {}
    names = []
    for i, cell in enumerate(cells, start=1):
        name = unguard(as_text(cell)) or f"Column {i}"
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


# Rows parsed per C call. The parse holds the GIL for the whole call (~1.5 µs a row), and a
# writer thread coming back from the database waits for it: in 20,000-row calls that was up
# to 30 ms per statement of the SQLite writer, many times a batch.
PARSE_STEP = 1_000


class CsvSource(Source):
    def __init__(self, path: Path) -> None:
        encoding, delimiter, estimate = detect_csv(path)
        self.path, self.encoding, self.delimiter = path, encoding, delimiter
        self.errors = UTF8_FALLBACK if encoding.startswith("utf-8") else "strict" if encoding == "utf-16" else "replace"
        with self._open() as handle:
            try:
                header = next(csv.reader(handle, delimiter=delimiter), None)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise SourceError(f"cannot read the header row of {path.name}: {exc}") from None
        if not header or not any(h.strip() for h in header):
            raise SourceError(f"{path.name} has no header row (the first line is empty)")
        self.info = SourceInfo(path, "csv", unique_headers(header), estimate, encoding=encoding, delimiter=delimiter)

    def _open(self) -> io.TextIOWrapper:
        return self.path.open("r", encoding=self.encoding, errors=self.errors, newline="")

    def _reader(self, handle: io.TextIOWrapper) -> Iterator[list[str]]:
        if csv.field_size_limit() < HARD_FIELD_LIMIT:
            csv.field_size_limit(HARD_FIELD_LIMIT)
        reader = csv.reader(handle, delimiter=self.delimiter)
        with contextlib.suppress(csv.Error):
            next(reader, None)  # the header
        return reader

    def records(self, skip: int = 0) -> Iterator[Record]:
        width = len(self.info.headers)
        first = skip + 2  # the row number of the first record to hand out
        with self._open() as handle:
            reader = self._reader(handle)
            row_number = 1
            while True:
                try:
                    for row in reader:
                        row_number += 1
                        if row_number < first:
                            continue
                        yield (row_number, row, None) if len(row) == width else self._shape(row_number, row, width)
                    return
                except csv.Error as exc:  # the reader goes on with the next line
                    row_number += 1
                    if row_number >= first:
                        yield row_number, [], f"Row could not be read: {exc}"

    def blocks(self, size: int, skip: int = 0) -> Iterator[Block]:
        """The fast path: a block is read with `islice` at C speed, and when every row has the
        header's width (the usual case) it goes on as it is, its row numbers a range."""
        width = len(self.info.headers)
        with self._open() as handle:
            reader = self._reader(handle)
            number = 1 + _consume(reader, skip)  # the row number of the last record read
            while True:
                raw: list[list[str] | None] = []
                failures: dict[int, str] = {}
                while len(raw) < size:
                    before = len(raw)
                    wanted = min(size - before, PARSE_STEP)
                    try:
                        raw.extend(islice(reader, wanted))  # keeps what it read before an error
                    except csv.Error as exc:  # the reader goes on with the next line
                        failures[len(raw)] = f"Row could not be read: {exc}"
                        raw.append(None)
                        continue
                    if len(raw) - before < wanted:
                        break  # the end of the file
                if not raw:
                    return
                first, number, more = number + 1, number + len(raw), len(raw) == size
                if not failures and set(map(len, raw)) == {width}:  # type: ignore[arg-type]
                    yield Block(len(raw), raw, range(first, first + len(raw)), [])  # type: ignore[arg-type]
                else:
                    yield self._sorted(raw, failures, first, width)
                if not more:  # (the importer empties a block's rows once it has them as columns)
                    return

    def _sorted(self, raw: list[list[str] | None], failures: dict[int, str], first: int, width: int) -> Block:
        block = Block(len(raw), [], [], [])
        for index, row in enumerate(raw):
            if row is None:
                block.problems.append((first + index, [], failures[index]))
                continue
            block.add(*((first + index, row, None) if len(row) == width else self._shape(first + index, row, width)))
        return block

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
        import python_calamine

        try:
            self.book = python_calamine.CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types for zips and formats
            raise SourceError(f"{path.name} is not a readable spreadsheet ({str(exc).splitlines()[0]})") from None
        names = list(self.book.sheet_names)
        if not names:
            raise SourceError(f"{path.name} has no sheets")
        if sheet is None:
            chosen = names[0]
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
            raise SourceError(f"sheet {chosen!r} of {path.name} has no header row (the first row is empty)")
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


def _consume(reader: Iterator[list[str]], count: int) -> int:
    """Pass over `count` records (a record that cannot be read counts as one); returns how many
    there were."""
    done = 0
    while done < count:
        try:
            for _ in islice(reader, count - done):
                done += 1
            return done
        except csv.Error:
            done += 1
    return done


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
