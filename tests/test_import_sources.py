"""Reading import files: encodings, delimiters, quoting, line ends, ragged and huge rows,
empty and fake files, workbooks with dates and floats. Pure file tests (no database)."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from app.transfer.api import preview
from app.transfer.sources import SOFT_FIELD_LIMIT, SourceError, open_source, too_long
from tests.import_support import HEADERS, lead, source_records, write_csv

TRICKY = ["Zoë", "Müller-Lüdenscheidt", "zoe@firm.example.com", "+49 30 1234567", "Café, \"Bistro\"\nsecond line", "new"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encoding_and_delimiter_are_detected(tmp_path: Path, encoding: str, delimiter: str) -> None:
    path = write_csv(tmp_path / "in.csv", [lead(1), TRICKY, lead(3)], encoding=encoding, delimiter=delimiter)
    source = open_source(path)
    assert source.info.headers == HEADERS
    assert source.info.delimiter == delimiter
    assert codecs.lookup(source.info.encoding or "").name == codecs.lookup(encoding).name
    records = list(source.records())
    assert [r[0] for r in records] == [2, 3, 4]  # spreadsheet rows: the header is row 1
    assert records[1][1] == TRICKY  # commas, quotes and a newline inside a quoted field survive


def test_cp1252_with_accents_only_late_in_a_large_file(tmp_path: Path) -> None:
    rows = [lead(i) for i in range(5000)] + [["Renée", "Besançon", "r@firm.example.com", "", "Œuvre “Quote”", "new"]]
    path = write_csv(tmp_path / "late.csv", rows, encoding="cp1252", delimiter=";")
    records = source_records(path)
    assert records[-1][1][:2] == ["Renée", "Besançon"]
    assert records[-1][1][4] == "Œuvre “Quote”"


@pytest.mark.parametrize("ending", ["\r\n", "\n"])
def test_line_endings(tmp_path: Path, ending: str) -> None:
    path = write_csv(tmp_path / "e.csv", [lead(1), lead(2)], lineterminator=ending)
    assert [r[1] for r in source_records(path)] == [lead(1), lead(2)]


def test_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("First Name,Last Name,Email\nA,B\nC,D,c@x.com,,\nE,F,e@x.com,extra\n", encoding="utf-8")
    records = source_records(path)
    assert records[0] == (2, ["A", "B", ""], None)  # short rows are padded with blanks
    assert records[1] == (3, ["C", "D", "c@x.com"], None)  # empty extra cells are dropped
    assert records[2][0] == 4 and records[2][2] == "Row has 4 values but the header has 3 columns"


def test_a_field_beyond_the_csv_limit_does_not_stop_the_file(tmp_path: Path) -> None:
    huge = "x" * (SOFT_FIELD_LIMIT + 10)
    path = write_csv(tmp_path / "huge.csv", [lead(1), lead(2, Company=huge), lead(3)])
    records = source_records(path)
    assert [r[0] for r in records] == [2, 3, 4] and all(r[2] is None for r in records)
    assert records[1][1][4] == huge  # read whole; the importer fails the row (tests/test_import_job.py)
    assert too_long(["a", huge, "b"]) == [1] and too_long(["a"]) == []


def test_empty_file_and_blank_header(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty: there is no header row"):
        open_source(empty)
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\nEmail\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no header row"):
        open_source(blank)


def test_header_only_file_has_nosource_records(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [])
    assert source_records(path) == []


def test_a_non_spreadsheet_named_xlsx_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "leads.xlsx"
    fake.write_text("First Name,Last Name\nA,B\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"leads\.xlsx is not a readable spreadsheet"):
        open_source(fake)


def make_workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Notes").write_string(0, 0, "not this one")
    sheet = book.add_worksheet("Leads")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["First Name", "Last Name", "Email", "Phone", "Created At", "Status"])
    sheet.write_row(1, 0, ["Anna", "Berg", "anna@firm.example.com"])
    sheet.write_number(1, 3, 4930123456)
    sheet.write_datetime(1, 4, dt.datetime(2024, 5, 31), date)
    sheet.write_row(3, 0, ["Ben", "Adler", "ben@firm.example.com", "", "2024-06-01", "Qualified"])
    book.close()
    return path


def test_workbook_named_sheet_dates_and_floats(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "book.xlsx")
    records = source_records(path, "leads")  # sheet names match ignoring case
    assert records[0] == (2, ["Anna", "Berg", "anna@firm.example.com", 4930123456.0, dt.date(2024, 5, 31), ""], None)
    assert records[1] == (3, [], None)  # a blank row keeps its row number and is skipped
    assert records[2][0] == 4
    with pytest.raises(SourceError, match="no sheet named 'Nope'; its sheets: Notes, Leads"):
        open_source(path, "Nope")
    assert open_source(path).info.sheet == "Notes"  # the first sheet by default


def test_preview_reports_detection(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [lead(i) for i in range(30)], delimiter=";", encoding="utf-8-sig")
    shown = preview(path, rows=5)
    assert shown.headers == HEADERS and len(shown.rows) == 5 and shown.rows[0] == lead(0)
    assert (shown.format, shown.encoding, shown.delimiter, shown.estimated_rows) == ("csv", "utf-8-sig", ";", 30)
    book = preview(make_workbook(tmp_path / "b.xlsx"), sheet="Leads")
    assert book.sheets == ["Notes", "Leads"] and book.rows[0][3:5] == ["4930123456", "2024-05-31"]


def test_blocks_hand_out_what_records_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import reads blocks; whatever their size and wherever a resume starts, they hold the
    same rows, row numbers and problems as `records()`, and count every record (blank ones too)."""
    import csv

    from app.transfer import sources

    path = tmp_path / "mixed.csv"
    lines = ["First Name,Last Name,Email", "A,B,a@x.com", "", "C,\"multi\nline\",c@x.com", "D,E",
             "F,G,g@x.com,surplus", "H,\"" + "h" * 300 + "\",h@x.com", "I,J,i@x.com", "", "K,L,k@x.com"]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    limit = csv.field_size_limit()
    monkeypatch.setattr(sources, "HARD_FIELD_LIMIT", 200)  # so the long field cannot be read: a csv.Error
    csv.field_size_limit(200)
    try:
        source = open_source(path)
        expected = list(source.records())
        assert [r[0] for r in expected] == [2, 3, 4, 5, 6, 7, 8, 9, 10]
        assert expected[5][2] is not None and expected[5][2].startswith("Row could not be read")
        for skip in (0, 1, 4):
            wanted = [r for r in expected[skip:] if r[1] or r[2]]
            for size in (1, 2, 3, 4, 100):
                got, consumed = [], 0
                for block in source.blocks(size, skip):
                    assert 0 < block.consumed <= size
                    consumed += block.consumed
                    got += [(n, row, None) for n, row in zip(block.numbers, block.rows, strict=True)] + block.problems
                    block.rows.clear()  # as the importer does once it holds them as columns
                assert sorted(got, key=lambda r: r[0]) == wanted, (skip, size)
                assert consumed == len(expected) - skip
    finally:
        csv.field_size_limit(limit)
