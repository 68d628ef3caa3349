"""The import job end to end on both backends: counters, duplicates (in the database and in
the file, ignoring case), update mode, dry run, row errors, failed-records round trip."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from app.clock import utcnow
from app.db import tables
from app.engine import artifacts, history
from app.engine.status import RunStatus
from app.records.fields import guard
from app.transfer.api import TransferError, enqueue_import, rerun_failed
from tests.engine_support import add_workspace
from tests.import_support import HEADERS, count, lead, rows_of, run_to_end, write_csv
from tests.test_import_sources import make_workbook


def _import(engine: Engine, path: Path, module: str = "leads", **kwargs: object) -> int:
    return enqueue_import(engine, path, module, workspace=kwargs.pop("workspace", "main"), **kwargs)  # type: ignore[arg-type]


def test_skip_mode_counts_and_dedups_case_insensitively(engine: Engine, tmp_path: Path) -> None:
    ws = add_workspace(engine)
    with engine.begin() as conn:
        conn.execute(insert(tables.leads).values(workspace_id=ws, last_name="Old", email="Lead1@Firm.Example.com",
                                                 status="new", score=0, created_at=utcnow(), updated_at=utcnow()))
    rows = [lead(1), lead(2), lead(3, email="LEAD2@firm.example.com"), lead(4, email="not-an-email"), lead(5)]
    run = run_to_end(engine, _import(engine, write_csv(tmp_path / "a.csv", rows)))
    assert run.status is RunStatus.WARNING, run.error
    assert (run.total, run.processed, run.created, run.updated, run.skipped, run.failed) == (5, 5, 2, 0, 2, 1)
    assert count(engine, "leads") == 3
    assert rows_of(engine, "leads", "last_name")[0] == ("Old",)  # skip never touches an existing record
    errors = history.row_errors(engine, run.id)
    assert [(e["row_number"], e["field"], e["message"]) for e in errors] == [(5, "email", "Email field invalid: 'not-an-email'")]
    assert errors[0]["raw"]["Email"] == "not-an-email" and errors[0]["raw"]["First Name"] == "First4"


def test_update_mode_updates_mapped_fields_only(engine: Engine, tmp_path: Path) -> None:
    ws = add_workspace(engine)
    with engine.begin() as conn:
        conn.execute(insert(tables.leads).values(workspace_id=ws, last_name="Old", email="lead1@firm.example.com",
                                                 city="Lyon", status="qualified", score=40,
                                                 created_at=dt.datetime(2020, 1, 1), updated_at=dt.datetime(2020, 1, 1)))
    rows = [lead(1, Status=""), lead(2), lead(3, email="LEAD2@FIRM.EXAMPLE.COM", **{"Last Name": "Twice"})]
    run = run_to_end(engine, _import(engine, write_csv(tmp_path / "u.csv", rows), duplicates="update"))
    assert run.status is RunStatus.COMPLETED
    assert (run.created, run.updated, run.skipped, run.failed) == (1, 2, 0, 0)
    got = rows_of(engine, "leads", "email", "last_name", "city", "status", "score", "created_at")
    assert got[0][:5] == ("lead1@firm.example.com", "Last1", "Lyon", "new", 40)  # city and score not in the file
    assert got[0][5] == dt.datetime(2020, 1, 1)
    assert got[1][:2] == ("LEAD2@FIRM.EXAMPLE.COM", "Twice")  # the later row of the file updates the earlier one


def _counters(run: object) -> tuple[object, ...]:
    return tuple(getattr(run, name) for name in ("status", "total", "processed", "created", "updated", "skipped", "failed"))


def _errors(engine: Engine, run_id: int) -> list[tuple[object, ...]]:
    return [(e["row_number"], e["field"], e["message"], e["raw"]) for e in history.row_errors(engine, run_id)]


@pytest.mark.parametrize("duplicates", ["skip", "update"])
def test_dry_run_reports_what_the_real_run_does_and_writes_nothing(engine: Engine, tmp_path: Path,
                                                                   duplicates: str) -> None:
    ws = add_workspace(engine)
    old = dt.datetime(2020, 1, 1)
    with engine.begin() as conn:
        conn.execute(insert(tables.leads).values(workspace_id=ws, last_name="Old", email="lead1@firm.example.com",
                                                 status="new", score=0, created_at=old, updated_at=old))
    rows = [lead(1), lead(2), lead(2, email="LEAD2@firm.example.com"), lead(3, email="bad"), lead(4, Phone="12"),
            lead(5)]
    path = write_csv(tmp_path / "d.csv", rows)
    before = rows_of(engine, "leads", "id", "last_name", "updated_at")
    dry = run_to_end(engine, _import(engine, path, duplicates=duplicates, dry_run=True))
    assert count(engine, "leads") == 1 and rows_of(engine, "leads", "id", "last_name", "updated_at") == before
    with engine.connect() as conn:
        assert artifacts.find(conn, dry.id, "failed_records") is not None  # the rows to fix, before the real run
    assert any("Dry run" in line["message"] for line in history.log_lines(engine, dry.id))
    real = run_to_end(engine, _import(engine, path, duplicates=duplicates))
    assert _counters(dry) == _counters(real)
    assert (real.created, real.updated + real.skipped, real.failed) == (2, 2, 2)
    assert _errors(engine, dry.id) == _errors(engine, real.id) and len(_errors(engine, real.id)) == 2
    assert count(engine, "leads") == 3


def test_an_invalid_row_changes_nothing_and_claims_no_key(engine: Engine, tmp_path: Path) -> None:
    """A row with any invalid field fails whole: in update mode its record keeps every value,
    and a failed row's key does not make a later valid row with that key a duplicate."""
    ws = add_workspace(engine)
    old = dt.datetime(2020, 1, 1)
    with engine.begin() as conn:
        conn.execute(insert(tables.leads).values(workspace_id=ws, last_name="Old", email="lead1@firm.example.com",
                                                 company="Old Co", status="qualified", score=5, created_at=old,
                                                 updated_at=old))
    rows = [lead(1, Phone="12", Company="New Co"),  # its key exists: the record must not change
            lead(2, Status="hot"), lead(2, **{"Last Name": "Second"})]  # the valid second row creates it
    run = run_to_end(engine, _import(engine, write_csv(tmp_path / "i.csv", rows), duplicates="update"))
    assert (run.created, run.updated, run.skipped, run.failed) == (1, 0, 0, 2)
    assert rows_of(engine, "leads", "email", "last_name", "company", "status", "updated_at") == [
        ("lead1@firm.example.com", "Old", "Old Co", "qualified", old),
        ("lead2@firm.example.com", "Second", "Company 2", "new", rows_of(engine, "leads", "updated_at")[1][0])]


def test_missing_required_column_is_refused_before_any_row(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    path = write_csv(tmp_path / "n.csv", [["A", "a@x.com"]], ["First Name", "Email"])
    with pytest.raises(TransferError, match=r"required field Last Name \(last_name\)"):
        _import(engine, path)
    assert count(engine, "job_runs") == 0
    mapped = run_to_end(engine, _import(engine, path, mapping={"First Name": "last_name"}))
    assert mapped.created == 1 and rows_of(engine, "leads", "last_name") == [("A",)]


def test_unreadable_files_are_refused(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip at all")
    for path, message in ((empty, "empty"), (fake, "not a readable spreadsheet")):
        with pytest.raises(TransferError, match=message):
            _import(engine, path)


def test_huge_field_and_ragged_rows_fail_alone(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    path = tmp_path / "odd.csv"
    write_csv(path, [[*lead(1), ""], [*lead(2, Company="y" * 200_000), ""], [*lead(3), "z" * 140_000], [*lead(4), ""]],
              [*HEADERS, "Notes"])
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("Short,Row\r\nToo,Many,x@firm.example.com,,,,,surplus\r\n")
    run = run_to_end(engine, _import(engine, path))
    assert (run.processed, run.created, run.failed) == (6, 2, 4)
    messages = {e["row_number"]: e["message"] for e in history.row_errors(engine, run.id)}
    assert messages[3] == "Company field too long: 200,000 characters (at most 255)"
    assert messages[4] == "Column 7 holds 140,000 characters; a value may have at most 131,072"  # Notes: not mapped
    assert messages[6] == "Email field is required"
    assert messages[7] == "Row has 8 values but the header has 7 columns"


def test_xlsx_with_dates_and_floats(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    run = run_to_end(engine, _import(engine, make_workbook(tmp_path / "b.xlsx"), sheet="Leads"))
    assert (run.created, run.failed) == (2, 0)
    got = rows_of(engine, "leads", "email", "phone", "created_at", "status")
    assert got[0] == ("anna@firm.example.com", "4930123456", dt.datetime(2024, 5, 31), "new")
    assert got[1] == ("ben@firm.example.com", None, dt.datetime(2024, 6, 1), "qualified")


def test_accounts_and_contacts_resolve_references(engine: Engine, tmp_path: Path) -> None:
    ws = add_workspace(engine)
    with engine.begin() as conn:
        conn.execute(insert(tables.employees).values(workspace_id=ws, email="owner@corp.example.com", first_name="O",
                                                     last_name="W", active=True))
    accounts = write_csv(tmp_path / "acc.csv", [["Acme Ltd", "acme.example", "250", "owner@corp.example.com"],
                                                ["Beta", "", "12.5", ""], ["ACME LTD", "", "", ""]],
                         ["Account Name", "Website", "Employee Count", "Owner Email"])
    run = run_to_end(engine, _import(engine, accounts, "accounts"))
    assert (run.created, run.skipped, run.failed) == (1, 1, 1)
    contacts = write_csv(tmp_path / "con.csv", [["Berg", "b@firm.example.com", "acme ltd"], ["Costa", "c@firm.example.com", "Nope"]],
                         ["Last Name", "E-mail", "Company"])
    run = run_to_end(engine, _import(engine, contacts, "contacts"))
    assert (run.created, run.failed) == (1, 1)
    assert history.row_errors(engine, run.id)[0]["message"].startswith("Account field invalid: 'Nope'")


def _saved_failed_records(engine: Engine, run_id: int, tmp_path: Path, encoding: str = "utf-8",
                          delimiter: str = ",") -> tuple[Path, list[list[str]]]:
    """The run's failed-records artifact saved to a file, and that file's rows as read back."""
    with engine.connect() as conn:
        artifact_id = artifacts.find(conn, run_id, "failed_records")
    assert artifact_id is not None
    failed = tmp_path / "failed.csv"
    artifacts.save_to(engine, artifact_id, failed)
    with failed.open(encoding=encoding, newline="") as handle:
        return failed, list(csv.reader(handle, delimiter=delimiter))


@pytest.mark.parametrize("encoding,delimiter", [("cp1252", ";"), ("utf-8-sig", "\t"), ("utf-8", ",")])
def test_failed_records_round_trip(engine: Engine, tmp_path: Path, encoding: str, delimiter: str) -> None:
    add_workspace(engine)
    rows = [lead(1, **{"First Name": "Jörg"}), lead(2, email="not-an-email", **{"First Name": "Renée"}), lead(3, Phone="12")]
    parent = run_to_end(engine, _import(engine, write_csv(tmp_path / "in.csv", rows, encoding=encoding, delimiter=delimiter)))
    assert (parent.created, parent.failed) == (1, 2)
    failed, got = _saved_failed_records(engine, parent.id, tmp_path, encoding, delimiter)
    assert got[0] == [*HEADERS, "Error"]
    assert got[1] == [*map(guard, rows[1]), "Email field invalid: 'not-an-email'"]  # the phone: '+49...
    assert got[2][:-1] == [*map(guard, rows[2])] and got[2][-1].startswith("Phone field invalid: '12'")
    got[1][2], got[2][3] = "renee@firm.example.com", "+33 4 12 34 56 78"  # fix, keep the Error column
    with failed.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(got)
    child = run_to_end(engine, rerun_failed(engine, parent.id, failed))
    assert child.parent_id == parent.id and (child.created, child.failed) == (2, 0)
    assert sorted(r[0] for r in rows_of(engine, "leads", "first_name")) == ["First3", "Jörg", "Renée"]


def test_failed_records_csv_holds_no_formula_and_round_trips(engine: Engine, tmp_path: Path) -> None:
    """No cell that a spreadsheet would run as a formula leaves as one: the failed-records CSV
    puts the export's quote before such values (and headers), and the import takes it off."""
    add_workspace(engine)
    headers = [*HEADERS, "=Notes"]
    rows = [[*lead(1, **{"First Name": "=SUM(A1)"}), "+1"], [*lead(2, email="@evil", Company="-minus"), "\tTab"]]
    parent = run_to_end(engine, _import(engine, write_csv(tmp_path / "f.csv", rows, headers)))
    assert (parent.created, parent.failed) == (1, 1)
    failed, got = _saved_failed_records(engine, parent.id, tmp_path)
    assert got[0] == [*HEADERS, "'=Notes", "Error"]
    assert got[1] == ["First2", "Last2", "'@evil", "'+49 30 1234567", "'-minus", "new", "'\tTab",
                      "Email field invalid: '@evil'"]
    assert not any(cell[:1] in "=+-@\t\r" for row in got for cell in row)
    got[1][2] = "lead2@firm.example.com"
    with failed.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(got)
    child = run_to_end(engine, rerun_failed(engine, parent.id, failed))
    assert (child.created, child.failed) == (1, 0)
    assert rows_of(engine, "leads", "first_name", "phone", "company") == [
        ("=SUM(A1)", "+49 30 1234567", "Company 1"), ("First2", "+49 30 1234567", "-minus")]


def test_failed_records_of_a_workbook_is_a_workbook(engine: Engine, tmp_path: Path) -> None:
    import python_calamine

    add_workspace(engine)
    book = make_workbook(tmp_path / "b.xlsx")
    run = run_to_end(engine, _import(engine, book, sheet="Leads", mapping={"Status": ""}, duplicates="skip"))
    assert run.failed == 0
    path = tmp_path / "bad.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    sheet = wb.add_worksheet("Leads")
    sheet.write_row(0, 0, ["Last Name", "Email", "Employees"])
    sheet.write_string(1, 0, "Berg")
    sheet.write_string(1, 1, "=1+1")  # text that looks like a formula must come back as text
    sheet.write_number(1, 2, 42)
    wb.close()
    run = run_to_end(engine, _import(engine, path))
    with engine.connect() as conn:
        artifact_id = artifacts.find(conn, run.id, "failed_records")
    assert artifact_id is not None
    out = tmp_path / "failed.xlsx"
    artifacts.save_to(engine, artifact_id, out)
    rows = list(python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Leads").iter_rows())
    assert rows == [["Last Name", "Email", "Employees", "Error"], ["Berg", "=1+1", 42.0, "Email field invalid: '=1+1'"]]
    fixed = tmp_path / "fixed.xlsx"  # fixed in a spreadsheet, the Error column left in place
    wb = xlsxwriter.Workbook(str(fixed))
    sheet = wb.add_worksheet("Leads")
    sheet.write_row(0, 0, rows[0])
    sheet.write_row(1, 0, ["Berg", "berg@firm.example.com", 42, rows[1][3]])
    wb.close()
    child = run_to_end(engine, rerun_failed(engine, run.id, fixed))
    assert child.parent_id == run.id and (child.created, child.failed) == (1, 0)
    assert rows_of(engine, "leads", "email")[-1] == ("berg@firm.example.com",)


@pytest.mark.parametrize("duplicates", ["skip", "update"])
def test_a_key_added_by_someone_else_meanwhile_is_not_lost(engine: Engine, tmp_path: Path, duplicates: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The key set is read once; a record another writer adds later must not break the batch."""
    from app.transfer import importer

    ws = add_workspace(engine)
    with engine.begin() as conn:
        conn.execute(insert(tables.leads).values(workspace_id=ws, last_name="Theirs", email="lead2@firm.example.com",
                                                 status="new", score=0, created_at=utcnow(), updated_at=utcnow()))
    monkeypatch.setattr(importer, "existing_keys", lambda *args: iter(()))  # as if read before their insert
    run = run_to_end(engine, _import(engine, write_csv(tmp_path / "r.csv", [lead(1), lead(2), lead(3)]),
                                     duplicates=duplicates))
    assert run.status is RunStatus.WARNING  # the log says what happened
    assert run.created == 2 and (run.skipped, run.updated) == ((1, 0) if duplicates == "skip" else (0, 1))
    assert count(engine, "leads") == 3
    assert rows_of(engine, "leads", "last_name")[0] == ("Theirs" if duplicates == "skip" else "Last2",)
    assert any("added by someone else" in line["message"] for line in history.log_lines(engine, run.id))


def test_update_mode_and_created_at(engine: Engine, tmp_path: Path) -> None:
    """A blank created_at keeps the record's own on update and becomes 'now' on insert."""
    ws = add_workspace(engine)
    old = dt.datetime(2020, 1, 1)
    with engine.begin() as conn:
        conn.execute(insert(tables.leads), [
            dict(workspace_id=ws, last_name=f"Old{i}", email=f"lead{i}@firm.example.com", status="new", score=0,
                 created_at=old, updated_at=old) for i in (1, 2)])
    before = utcnow()
    rows = [["Last1", "lead1@firm.example.com", ""], ["Last2", "lead2@firm.example.com", "2023-04-05 06:07:08"],
            ["Last3", "lead3@firm.example.com", ""]]
    path = write_csv(tmp_path / "c.csv", rows, ["Last Name", "Email", "Created At"])
    run = run_to_end(engine, _import(engine, path, duplicates="update"))
    assert (run.created, run.updated) == (1, 2)
    got = rows_of(engine, "leads", "last_name", "created_at", "updated_at")
    assert got[0][:2] == ("Last1", old) and got[1][:2] == ("Last2", dt.datetime(2023, 4, 5, 6, 7, 8))
    assert got[2][1] >= before - dt.timedelta(seconds=1) and all(r[2] > old for r in got)


def test_a_large_batch_of_inserts_and_updates(engine: Engine, tmp_path: Path) -> None:
    """One batch of 12,000 rows, half of them new and half updates, interleaved."""
    ws = add_workspace(engine)
    old = dt.datetime(2020, 1, 1)
    with engine.begin() as conn:
        conn.execute(insert(tables.leads), [dict(workspace_id=ws, last_name="Old", email=f"lead{i}@firm.example.com",
                                                 status="new", score=0, created_at=old, updated_at=old)
                                            for i in range(0, 12_000, 2)])
    rows = [lead(i, **{"Last Name": f"New{i}"}) for i in range(12_000)]
    run = run_to_end(engine, _import(engine, write_csv(tmp_path / "big.csv", rows), duplicates="update"))
    assert (run.processed, run.created, run.updated, run.failed) == (12_000, 6_000, 6_000, 0)
    got = sorted(rows_of(engine, "leads", "email", "last_name"), key=lambda r: int(r[0][4:].split("@")[0]))
    assert got == [(f"lead{i}@firm.example.com", f"New{i}") for i in range(12_000)]


def test_a_big_import_leaves_the_planner_statistics_fresh(engine, tmp_path, monkeypatch):
    """Right after a big load the planner must know the new row count (filters and exports
    that follow at once would pick bad plans): ANALYZE on PostgreSQL, a sampled PRAGMA
    optimize on SQLite."""
    from sqlalchemy import text

    from app.transfer import importer

    monkeypatch.setattr(importer, "ANALYZE_AFTER", 50)
    add_workspace(engine)
    path = write_csv(tmp_path / "leads.csv", [lead(i) for i in range(300)])
    assert run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main")).created == 300
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'leads'")).scalar()
        else:
            stat = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'leads' AND idx = 'ux_leads_ws_email'")).scalar()
            rows = int(stat.split()[0]) if stat else None
    assert rows == 300


@pytest.mark.parametrize("duplicates", ["skip", "update"])
def test_a_batch_validated_in_small_parts_gives_the_same_result(engine: Engine, tmp_path: Path, monkeypatch,
                                                                 duplicates: str) -> None:  # type: ignore[no-untyped-def]
    """A batch is validated a few thousand rows at a time (`CLASSIFY_STEP`): with parts of 7 rows,
    the invalid rows, the duplicates within the file that span parts (the last one wins in
    update mode) and the row numbers of the errors come out as they do in one piece."""
    from app.transfer import importer

    rows = []
    for i in range(60):
        if i % 11 == 3:
            rows.append(lead(i, email=f"broken{i}"))
        elif i % 9 == 8:  # the key of a row 8 to 16 rows earlier (another part), in other case
            rows.append(lead(i, email=f"LEAD{i - 8 - i % 2 * 8}@FIRM.example.com", **{"Last Name": f"Again{i}"}))
        else:
            rows.append(lead(i))
    path = write_csv(tmp_path / "parts.csv", rows)
    results = []
    for step in (10_000, 7):
        monkeypatch.setattr(importer, "CLASSIFY_STEP", step)
        ws = add_workspace(engine, f"ws{step}")
        run = run_to_end(engine, _import(engine, path, workspace=f"ws{step}", duplicates=duplicates))
        with engine.connect() as conn:
            leads = sorted(conn.execute(tables.leads.select().with_only_columns(tables.leads.c.email, tables.leads.c.last_name)
                                        .where(tables.leads.c.workspace_id == ws)).all())
        errors = [(e["row_number"], e["message"]) for e in history.row_errors(engine, run.id)]
        results.append(((run.processed, run.created, run.updated, run.skipped, run.failed), leads, errors))
    assert results[0] == results[1]
    counters, leads, errors = results[1]
    assert counters[0] == 60 and counters[4] == len(errors) == 6
    # rows 8, 17, 26, 35, 44, 53 repeat the keys of rows 0, 1, 18, 19, 36, 37; row 36 is invalid and claims none
    assert (counters[2] if duplicates == "update" else counters[3]) == 5
    assert sum(name.startswith("Again") for _, name in leads) == (6 if duplicates == "update" else 1)  # + row 44
