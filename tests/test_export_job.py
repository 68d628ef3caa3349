"""The export job on both backends: filter, columns, CSV formula guard, XLSX strings and
sheet roll-over, record count and file size on the run, 7-day artifact, re-import."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from app.clock import utcnow
from app.db import tables
from app.engine.status import RunStatus
from app.transfer import export
from app.transfer.api import TransferError, enqueue_export, enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import rows_of, run_to_end, saved_artifact

DANGEROUS = ["=1+1", "+49 30 123", "-2", "@SUM(A1)", "\tTab", "\rCR", "plain"]


def _seed(engine: Engine) -> tuple[int, int]:
    ws = add_workspace(engine, "main")
    other = add_workspace(engine, "other")
    now = utcnow()
    with engine.begin() as conn:
        owner = conn.execute(insert(tables.employees).values(workspace_id=ws, email="owner@corp.example.com",
                                                             first_name="O", last_name="W", active=True)
                             .returning(tables.employees.c.id)).scalar_one()
        conn.execute(insert(tables.leads), [
            dict(workspace_id=ws, owner_id=owner if i == 0 else None, first_name=DANGEROUS[i], last_name=f"Last{i}",
                 email=f"lead{i}@firm.example.com", status="new" if i % 2 == 0 else "contacted", score=i * 10,
                 created_at=dt.datetime(2024, 1, i + 1, 9, 30), updated_at=now)
            for i in range(len(DANGEROUS))])
        conn.execute(insert(tables.leads).values(workspace_id=other, last_name="Elsewhere", email="x@other.example.com",
                                                 status="new", score=0, created_at=now, updated_at=now))
    return ws, other


def test_csv_export_guards_formulas_and_reimports_unchanged(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    run = run_to_end(engine, enqueue_export(engine, "leads", "csv", [], ["email", "first_name", "owner", "score", "created_at",
                                                                  "last_name"], "main"))
    assert run.status is RunStatus.COMPLETED and (run.total, run.processed) == (7, 7)
    assert run.result and run.result["records"] == 7
    assert run.file_name == f"leads-{run.run_date.isoformat()}-run{run.id}.csv"  # the history's File Name column
    path = saved_artifact(engine, "export", run.id, tmp_path / "out.csv")
    assert run.result["file_size"] == path.stat().st_size
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Email", "First Name", "Owner", "Score", "Created At", "Last Name"]
    assert [r[1] for r in rows[1:]] == ["'=1+1", "'+49 30 123", "'-2", "'@SUM(A1)", "'\tTab", "'\rCR", "plain"]
    assert rows[1][2:] == ["owner@corp.example.com", "0", "2024-01-01 09:30:00", "Last0"]
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row if cell)
    with engine.connect() as conn:
        expires = conn.execute(tables.artifacts.select().where(tables.artifacts.c.run_id == run.id)).one().expires_at
    assert dt.timedelta(days=6, hours=23) < expires - utcnow() <= dt.timedelta(days=7)
    again = run_to_end(engine, enqueue_import(engine, path, "leads", "update", workspace="other",
                                              mapping={"Owner": ""}))
    assert again.status is RunStatus.COMPLETED and again.created == 7
    assert [r[0] for r in rows_of(engine, "leads", "first_name")][-7:] == DANGEROUS  # the quote came off again


def test_filter_columns_and_workspaces(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    run = run_to_end(engine, enqueue_export(engine, "leads", "csv", ["status=new", "score>=20"], ["Email", "Last Name"]))
    text = saved_artifact(engine, "export", run.id, tmp_path / "f.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["Email,Last Name", "lead2@firm.example.com,Last2", "lead4@firm.example.com,Last4",
                                 "lead6@firm.example.com,Last6"]
    everywhere = run_to_end(engine, enqueue_export(engine, "leads", "csv", ["status=new"], ["email"]))
    assert everywhere.result and everywhere.result["records"] == 5  # no workspace: all of them
    with pytest.raises(TransferError, match="no field 'colour'"):
        enqueue_export(engine, "leads", "csv", ["colour=red"])
    with pytest.raises(TransferError, match="no column 'colour'"):
        enqueue_export(engine, "leads", "csv", [], ["colour"])


def test_xlsx_writes_strings_as_strings(engine: Engine, tmp_path: Path) -> None:
    import openpyxl
    import python_calamine

    _seed(engine)
    run = run_to_end(engine, enqueue_export(engine, "leads", "xlsx", [], ["first_name", "score", "created_at"], "main"))
    path = saved_artifact(engine, "export", run.id, tmp_path / "out.xlsx")
    values = list(python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Leads").iter_rows())
    assert [row[0] for row in values[1:]] == DANGEROUS
    sheet = openpyxl.load_workbook(path)["Leads"]
    assert [c.value for c in sheet[1]] == ["First Name", "Score", "Created At"] and sheet["A1"].font.b
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 9))  # never "f" (formula)
    assert sheet["B3"].value == 10 and sheet["C2"].value == dt.datetime(2024, 1, 1, 9, 30)


def test_xlsx_continues_on_a_new_sheet(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    _seed(engine)
    assert export.SHEET_ROWS == 1_048_576  # what a sheet holds: a header and 1,048,575 rows
    monkeypatch.setattr(export, "SHEET_ROWS", 4)  # a header and 3 rows per sheet, as 1 + 1,048,575 in real life
    run = run_to_end(engine, enqueue_export(engine, "leads", "xlsx", [], ["email"], "main"))
    book = openpyxl.load_workbook(saved_artifact(engine, "export", run.id, tmp_path / "s.xlsx"))
    assert book.sheetnames == ["Leads", "Leads (2)", "Leads (3)"]
    assert [[c.value for c in row] for row in book["Leads (3)"].iter_rows()] == [["Email"], ["lead6@firm.example.com"]]
    assert [ws.max_row for ws in book.worksheets] == [4, 4, 2]  # full sheets, each with the header
    assert all(ws["A1"].value == "Email" for ws in book.worksheets)
    assert [c.value for ws in book.worksheets for (c,) in ws.iter_rows(min_row=2)] == [
        f"lead{i}@firm.example.com" for i in range(7)]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # the COPY path is PostgreSQL's own
def test_a_copy_stopped_half_way_leaves_the_connection_usable(engine: Engine) -> None:
    from sqlalchemy import select

    from app.transfer.export import choose_columns, copy_csv

    _seed(engine)

    class Stop(Exception):
        pass

    calls: list[int] = []

    def stop(rows: int) -> None:
        calls.append(rows)
        raise Stop

    with engine.connect() as conn:
        with conn.begin(), pytest.raises(Stop), copy_csv(conn, "leads", choose_columns("leads", ["email"]), [], None,
                                                          stop) as stream:
            stream.read(100)  # the header and a few rows
        assert calls == [4] and stream.ended  # stopped after 4 rows, the rest read away
        assert conn.execute(select(tables.leads.c.email).order_by(tables.leads.c.id).limit(1)).scalar() == \
            "lead0@firm.example.com"
