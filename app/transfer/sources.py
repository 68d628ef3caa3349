"""Reading import files: CSV (encoding and delimiter detected) and workbooks (python-calamine).

`open_source(path, sheet)` looks at the file once and returns a `Source` whose `records()`
streams `(row_number, values, problem)`: the spreadsheet row number (header = row 1), the
cells (text for CSV; for workbooks numbers come as floats, dates as date/datetime), and a
one-line problem when the row cannot be read as a whole (it then fails alone).

CSV detection, in one cheap pass over the bytes that also counts the lines (the run's
`total` before the first row is read): a BOM names the encoding (UTF-8, UTF-16); a file
that decodes as UTF-8 throughout is UTF-8; otherwise charset-normalizer judges a sample of
the first non-UTF-8 region, preferring cp1252 (what Excel writes on Western Windows) unless
another code page reads clearly better. The delimiter is the one among `, ; TAB |` that
splits the first lines into the most, equally many, columns.

A field longer than Python's default csv limit (131,072 characters) must not abort the file:
the reader's limit is raised (process-wide) to `HARD_FIELD_LIMIT`, so such a row is read
whole and the importer fails it with a message (`too_long`). Beyond the hard limit the csv
module raises; that row fails and reading continues on the next line.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import charset_normalizer

SOFT_FIELD_LIMIT = 131072  # Python's default csv.field_size_limit()
HARD_FIELD_LIMIT = 256 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
SCAN_BLOCK = 8 * 1024 * 1024
SAMPLE = 256 * 1024
PREFER = "cp1252"
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

Record = tuple[int, list[Any], str | None]


class SourceError(ValueError):
    """The file cannot be read as an import source; the message is one line for people."""


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


# --------------------------------------------------------------------------- CSV detection


def _scan(path: Path) -> tuple[str | None, int, int | None, bytes]:
    """One pass: (encoding from a BOM or None, newline count, offset where UTF-8 first fails
    or None, first block)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    bad_at: int | None = None
    offset = 0
    first = b""
    last = b""
    with path.open("rb") as handle:
        while block := handle.read(SCAN_BLOCK):
            if offset == 0:
                first = block
            newlines += block.count(b"\n")
            if bad_at is None:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad_at = offset + max(0, exc.start)
            offset += len(block)
            last = block
    if bad_at is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_at = max(0, offset - 4)
    if last and not last.endswith(b"\n"):
        newlines += 1
    bom = next((enc for mark, enc in BOMS if first.startswith(mark)), None)
    return bom, newlines, bad_at, first


def _guess_single_byte(path: Path, at: int) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, at - 1024))
        sample = handle.read(SAMPLE)
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        return PREFER
    if best.encoding == PREFER:
        return PREFER
    preferred = charset_normalizer.from_bytes(sample, cp_isolation=[PREFER]).best()
    if preferred is not None and preferred.chaos <= best.chaos + 0.05:
        return PREFER
    return str(best.encoding)


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:30]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut short
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not widths:
            continue
        consistent = sum(1 for w in widths if w == widths[0])
        score = (min(widths[0], 2) * consistent, widths[0])  # splits at all, consistently, then into most columns
        if widths[0] > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def detect_csv(path: Path) -> tuple[str, str, int]:
    """(encoding, delimiter, estimated data rows) of a CSV file."""
    bom, newlines, bad_at, first = _scan(path)
    if not first:
        raise SourceError(f"{path.name} is empty: there is no header row")
    if bom is not None:
        encoding = bom
    elif bad_at is None:
        encoding = "utf-8"
    else:
        encoding = _guess_single_byte(path, bad_at)
    head = first[:SAMPLE].decode(encoding, errors="replace")
    if encoding == "utf-8-sig":
        head = head.lstrip("\ufeff")
    return encoding, _sniff_delimiter(head), max(0, newlines - 1)


# --------------------------------------------------------------------------- sources


class Source:
    info: SourceInfo

    def records(self, skip: int = 0) -> Iterator[Record]:
        """Data rows after the header; `skip` passes over that many records unread (resume)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class CsvSource(Source):
    def __init__(self, path: Path) -> None:
        encoding, delimiter, estimate = detect_csv(path)
        self.path, self.encoding, self.delimiter = path, encoding, delimiter
        self.errors = "strict" if encoding.startswith(("utf-8", "utf-16")) else "replace"
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

    def records(self, skip: int = 0) -> Iterator[Record]:
        if csv.field_size_limit() < HARD_FIELD_LIMIT:
            csv.field_size_limit(HARD_FIELD_LIMIT)
        width = len(self.info.headers)
        first = skip + 2  # the row number of the first record to hand out
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            row_number = 1
            with contextlib.suppress(csv.Error):
                next(reader, None)
            while True:
                try:
                    for row in reader:  # the hot loop: one test per row in the usual case
                        row_number += 1
                        if row_number < first:
                            continue
                        yield (row_number, row, None) if len(row) == width else self._shape(row_number, row, width)
                    return
                except csv.Error as exc:  # the reader goes on with the next line
                    row_number += 1
                    if row_number >= first:
                        yield row_number, [], f"Row could not be read: {exc}"

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


def is_workbook(path: Path) -> bool:
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        return False
    with path.open("rb") as handle:
        return handle.read(4) in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


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
