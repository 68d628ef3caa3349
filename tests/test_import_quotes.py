"""A quote left open in a CSV row fails that row alone; the rows after it import as usual,
while quoted values that legitimately span lines (a multi-line address) keep working. The
reader alone on many shapes and chunk sizes, then the import on both backends, dry run too."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.engine import artifacts, history
from app.transfer import csvparse
from app.transfer.api import TransferError, enqueue_import
from app.transfer.sources import SourceError, open_source
from tests.engine_support import add_workspace
from tests.import_support import HEADERS, count, lead, run_to_end

BROKEN = '"Acme, 12,x@y.test'  # the closing quote is missing


def _line(cells: list[str]) -> str:
    out = []
    for cell in cells:
        out.append('"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell)
    return ",".join(out)


def _file(path: Path, lines: list[str], ending: str = "\r\n") -> Path:
    path.write_text(ending.join([",".join(HEADERS), *lines]) + ending, encoding="utf-8", newline="")
    return path


def _good(start: int, stop: int) -> list[str]:
    return [_line(lead(i)) for i in range(start, stop)]


def _records(path: Path) -> list[tuple[int, list[object], str | None]]:
    source = open_source(path)
    try:
        return list(source.records())
    finally:
        source.close()


@pytest.fixture(params=[csvparse.CHUNK_CHARS, 100, 700])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The reader judged with its own chunk size and with chunks of a few lines (the open
    quote and the multi-line values then cross chunk ends)."""
    monkeypatch.setattr(csvparse, "CHUNK_CHARS", request.param)
    return int(request.param)


@pytest.mark.parametrize("ending", ["\r\n", "\n"])
def test_an_unclosed_quote_fails_its_row_alone(tmp_path: Path, chunk: int, ending: str) -> None:
    path = _file(tmp_path / "q.csv", [*_good(2, 29), BROKEN, *_good(30, 3000)], ending)
    records = _records(path)
    assert [r[0] for r in records] == list(range(2, 3000))
    failed = [r for r in records if r[2] is not None]
    assert failed == [(29, ["Acme, 12,x@y.test"], "Unclosed quote: a quoted value in this row has no closing quote; "
                                                   'the row reads "Acme, 12,x@y.test')]
    assert records[28] == (30, lead(30), None) and records[-1] == (2999, lead(2999), None)


@pytest.mark.parametrize("after", [
    _line(lead(30, Company="Smith, Jones & Co")),  # the open quote "closes" on this row's opening quote
    _line(lead(30, Company='Say "hi"')),
    "",  # a blank line, then rows without quotes
])
def test_an_open_quote_that_a_later_quote_seems_to_close(tmp_path: Path, chunk: int, after: str) -> None:
    path = _file(tmp_path / "q.csv", [*_good(2, 29), BROKEN, after, *_good(31, 60)])
    records = _records(path)
    assert [r[0] for r in records] == list(range(2, 60))
    assert [r[0] for r in records if r[2] is not None] == [29]
    assert records[28][1] == (next(csv.reader([after])) if after else [])
    assert records[29] == (31, lead(31), None)


def test_an_open_quote_on_the_last_row_or_in_the_last_column(tmp_path: Path, chunk: int) -> None:
    last = _file(tmp_path / "last.csv", [*_good(2, 10), BROKEN])
    assert [(r[0], r[2] is not None) for r in _records(last)][-2:] == [(9, False), (10, True)]
    no_end = tmp_path / "no_end.csv"
    no_end.write_text(last.read_text(encoding="utf-8").rstrip("\r\n"), encoding="utf-8", newline="")
    assert [(r[0], r[2] is not None) for r in _records(no_end)][-2:] == [(9, False), (10, True)]
    column = _file(tmp_path / "column.csv", [*_good(2, 5), 'Anna,Berg,anna@firm.example.com,,"Acme,new', *_good(6, 40)])
    records = _records(column)
    assert [r[0] for r in records if r[2] is not None] == [5]
    assert records[3][1] == ["Anna", "Berg", "anna@firm.example.com", "", "Acme,new"]
    assert len(records) == 38 and records[4] == (6, lead(6), None)


def test_quoted_values_over_several_lines_still_read_whole(tmp_path: Path, chunk: int) -> None:
    address = "Acme Ltd\nBuilding 5, Floor 2\r\n\n12 Main St, Springfield, IL, USA, 62701"  # one line reads as a row
    long_note = "\n".join(f"line {i}, of a long note" for i in range(400))  # crosses the small chunks
    rows = [lead(2, Company=address), lead(3, Company='He said "yes"\nthen left'), lead(4, Company=long_note),
            lead(5, Company='ends with a quote: ""\n"')]
    path = _file(tmp_path / "multi.csv", [_line(r) for r in rows] + _good(6, 50))
    records = _records(path)
    assert all(r[2] is None for r in records) and [r[0] for r in records] == list(range(2, 50))
    assert [r[1] for r in records[:4]] == rows
    spaced = _file(tmp_path / "spaced.csv", ['A,B,a@x.com,1,"12 Main St\nApt 4" ,new', *_good(3, 9)])
    assert [r[2] for r in _records(spaced)] == [None] * 7  # a space after the closing quote is not text
    narrow = tmp_path / "narrow.csv"  # three columns: address lines with two commas read as records too
    narrow.write_text('Last Name,Email,City\nBerg,b@x.com,"Acme\nBuilding 5, Floor 2, Room 3\nMain St 5, Springfield, '
                      'IL\nUSA"\nCosta,c@x.com,Lyon\n', encoding="utf-8")
    assert [(r[0], r[2]) for r in _records(narrow)] == [(2, None), (3, None)]
    broken = tmp_path / "narrow_broken.csv"  # there an open quote is found by the other signs
    broken.write_text("Last Name,Email,City\n" + "\n".join([f"L{i},l{i}@x.com,C{i}" for i in range(2, 9)]
                      + ['"Acme, 12,x@y.test'] + [f"L{i},l{i}@x.com,C{i}" for i in range(10, 300)]) + "\n",
                      encoding="utf-8")
    records = _records(broken)
    assert [r[0] for r in records if r[2] is not None] == [9] and len(records) == 298


def test_blocks_agree_with_records_around_an_open_quote(tmp_path: Path, chunk: int) -> None:
    lines = [*_good(2, 20), _line(lead(20, Company="two\nlines")), BROKEN, *_good(22, 40), "", *_good(41, 90)]
    path = _file(tmp_path / "b.csv", lines)
    source = open_source(path)
    try:
        expected = list(source.records())
        for skip in (0, 5, 19, 20, 21):
            wanted = [r for r in expected[skip:] if r[1] or r[2]]
            for size in (1, 7, 100):
                got, consumed = [], 0
                for block in source.blocks(size, skip):
                    consumed += block.consumed
                    got += [(n, row, None) for n, row in zip(block.numbers, block.rows, strict=True)] + block.problems
                assert sorted(got, key=lambda r: r[0]) == wanted, (skip, size)
                assert consumed == len(expected) - skip
    finally:
        source.close()


def test_an_open_quote_in_the_header_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text('"First Name,Last Name,Email\r\n' + "\r\n".join(f"A{i},B{i},a{i}@x.com" for i in range(50)),
                    encoding="utf-8")
    with pytest.raises(SourceError, match=r"cannot read the header row of h\.csv: Unclosed quote"):
        open_source(path)


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_import_fails_the_broken_row_and_imports_the_rest(engine: Engine, tmp_path: Path, dry_run: bool) -> None:
    add_workspace(engine)
    path = _file(tmp_path / "leads.csv", [*_good(2, 29), BROKEN, *_good(30, 3000)])
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main", dry_run=dry_run))
    assert (run.processed, run.created, run.failed) == (2998, 2997, 1)
    assert count(engine, "leads") == (0 if dry_run else 2997)
    errors = history.row_errors(engine, run.id)
    assert [(e["row_number"], e["message"]) for e in errors] == [
        (29, 'Unclosed quote: a quoted value in this row has no closing quote; the row reads "Acme, 12,x@y.test')]
    assert errors[0]["raw"] == {"First Name": "Acme, 12,x@y.test"}
    with engine.connect() as conn:
        artifact_id = artifacts.find(conn, run.id, "failed_records")
    assert artifact_id is not None
    out = tmp_path / "failed.csv"
    artifacts.save_to(engine, artifact_id, out)
    with out.open(encoding="utf-8", newline="") as handle:
        got = list(csv.reader(handle))
    assert got == [[*HEADERS, "Error"], ["Acme, 12,x@y.test", "", "", "", "", "", errors[0]["message"]]]


def test_a_file_whose_header_leaves_a_quote_open_is_refused_in_one_line(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    path = tmp_path / "h.csv"
    path.write_text('"First Name,Last Name,Email\nA,B,a@x.com\nC,D,c@x.com\n', encoding="utf-8")
    with pytest.raises(TransferError, match="header row of h.csv: Unclosed quote"):
        enqueue_import(engine, path, "leads", workspace="main")
