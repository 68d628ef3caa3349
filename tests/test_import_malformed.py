"""Malformed files lose no data silently and say what is wrong in one line: NUL bytes, UTF-16
without its BOM, binary and compressed files, invisible marks in headers, Excel's `sep=;`
line, hidden, empty, zero-byte and encrypted workbooks, a header row that is not one."""

from __future__ import annotations

import codecs
import csv
import gzip
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import Engine

from app.engine import artifacts, history
from app.engine.status import RunStatus
from app.transfer.api import TransferError, enqueue_import, preview
from app.transfer.sources import SourceError, open_source
from tests.engine_support import add_workspace
from tests.import_support import rows_of, run_to_end, source_records

TEXT = "First Name,Last Name,Email\r\nAnna,Berg,anna@firm.example.com\r\nBen,Costa,ben@firm.example.com\r\n"


def test_a_nul_byte_fails_its_row_not_the_import(engine: Engine, tmp_path: Path) -> None:
    """PostgreSQL text cannot hold a NUL: one such value made the whole import fail there
    (SQLite stored it). The row fails alone, named by its column; the others import."""
    add_workspace(engine)
    path = tmp_path / "nul.csv"
    path.write_bytes(TEXT.replace("Costa", "Co\x00sta").encode())
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main"))
    assert (run.status, run.created, run.failed) == (RunStatus.WARNING, 1, 1), run.error
    errors = history.row_errors(engine, run.id)
    assert [(e["row_number"], e["message"]) for e in errors] == [
        (3, "Last Name holds a NUL character (byte 0), which no value may contain")]
    assert errors[0]["raw"]["Last Name"] == "Costa"  # the failed-records file holds it without the NUL
    assert rows_of(engine, "leads", "last_name") == [("Berg",)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_bom_is_read_as_utf16(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(TEXT.replace("Berg", "Bérg").encode(encoding))
    source = open_source(path)
    assert (source.info.encoding, source.info.headers) == (encoding, ["First Name", "Last Name", "Email"])
    assert [r[1] for r in source_records(path)] == [["Anna", "Bérg", "anna@firm.example.com"],
                                               ["Ben", "Costa", "ben@firm.example.com"]]


def test_binary_and_compressed_files_are_refused_in_one_line(tmp_path: Path) -> None:
    packed = tmp_path / "leads.csv"
    packed.write_bytes(gzip.compress(TEXT.encode()))
    with pytest.raises(SourceError, match=r"^leads\.csv is a gzip-compressed file, not CSV text: unpack it"):
        open_source(packed)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(SourceError, match=r"^photo\.csv is not a CSV text file \(it holds binary data\)"):
        open_source(binary)
    stray = tmp_path / "stray.csv"  # a few control bytes in text are not binary
    stray.write_bytes(TEXT.replace("Ben", "B\x01en").encode())
    assert len(source_records(stray)) == 2


def test_invisible_marks_around_a_header_do_not_hide_its_column(tmp_path: Path) -> None:
    """A second BOM (two files joined) or a zero-width space left the column unmatched: its
    values were dropped from the import without a word."""
    path = tmp_path / "marks.csv"
    path.write_bytes(codecs.BOM_UTF8 + codecs.BOM_UTF8 + TEXT.replace("Email", "\u200bEmail\u200b").encode())
    shown = preview(path)
    assert shown.headers == ["First Name", "Last Name", "Email"]


def test_excels_sep_line_names_the_delimiter_and_is_not_a_row(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    path = tmp_path / "sep.csv"
    path.write_bytes(("sep=;\r\n" + TEXT.replace(",", ";").replace("ben@firm", "ben-at-firm")).encode("cp1252"))
    assert (preview(path).delimiter, preview(path).headers) == (";", ["First Name", "Last Name", "Email"])
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main"))
    assert (run.total, run.created, run.failed) == (2, 1, 1)
    assert [e["row_number"] for e in history.row_errors(engine, run.id)] == [3]  # Excel's numbering: header = row 1
    with engine.connect() as conn:
        artifact_id = artifacts.find(conn, run.id, "failed_records")
    assert artifact_id is not None
    failed = tmp_path / "failed.csv"
    artifacts.save_to(engine, artifact_id, failed)
    lines = failed.read_text(encoding="cp1252").splitlines()
    assert lines[:2] == ["sep=;", "First Name;Last Name;Email;Error"]  # opens in Excel as the source did
    assert list(csv.reader(lines[2:], delimiter=";"))[0][:3] == ["Ben", "Costa", "ben-at-firm.example.com"]


def _book(path: Path, *sheets: tuple[str, list[list[str]], bool]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows, hidden in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
        if hidden:
            sheet.hide()
        else:
            sheet.activate()
    book.close()
    return path


HEAD = ["First Name", "Last Name", "Email"]


def test_a_hidden_first_sheet_is_not_the_one_read(tmp_path: Path) -> None:
    path = _book(tmp_path / "h.xlsx", ("Old", [HEAD, ["Old", "Data", "old@firm.example.com"]], True),
                 ("Leads", [HEAD, ["Anna", "Berg", "anna@firm.example.com"]], False))
    source = open_source(path)
    assert (source.info.sheet, source.info.sheets) == ("Leads", ["Old", "Leads"])
    assert source_records(path)[0][1] == ["Anna", "Berg", "anna@firm.example.com"]
    assert source_records(path, "Old")[0][1][0] == "Old"  # chosen by name, it is read


def test_workbooks_that_cannot_be_read_say_why(tmp_path: Path) -> None:
    empty_first = _book(tmp_path / "e.xlsx", ("Notes", [], False), ("Leads", [HEAD], False))
    with pytest.raises(SourceError, match=r"sheet 'Notes' of e\.xlsx has no header row \(the first row is empty\); "
                                          r"its other sheets: Leads \(choose one\)"):
        open_source(empty_first, "Notes")
    zero = tmp_path / "zero.xlsx"
    zero.write_bytes(b"")
    with pytest.raises(SourceError, match=r"^zero\.xlsx is empty \(0 bytes\)"):
        open_source(zero)
    office = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
    locked = tmp_path / "locked.xlsx"  # what Excel saves when a workbook has a password to open
    locked.write_bytes(office + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    with pytest.raises(SourceError, match=r"^locked\.xlsx is password-protected \(encrypted\).*remove the password"):
        open_source(locked)
    old = tmp_path / "old.xlsx"
    old.write_bytes(office)
    with pytest.raises(SourceError, match=r"^old\.xlsx is an old-format Excel file \(\.xls\)"):
        open_source(old)


def test_a_header_row_that_maps_nothing_is_shown_in_the_message(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    titled = _book(tmp_path / "t.xlsx", ("Leads", [["Leads export 2024"], [], HEAD, ["A", "B", "a@x.com"]], False))
    with pytest.raises(TransferError, match=r"the header row \(row 1\) holds 'Leads export 2024', 'Column 2', "
                                            r"'Column 3'$"):
        enqueue_import(engine, titled, "leads", workspace="main")
