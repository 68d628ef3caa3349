"""`batchdesk import` / `export` / `jobs failed-records`: exit codes, one-line errors, JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import Engine

from tests.engine_support import add_workspace
from tests.import_support import lead, write_csv


def test_import_and_export_commands(engine: Engine, db_url: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_workspace(engine, "main")
    good = write_csv(tmp_path / "leads.csv", [lead(1), lead(2, email="not-an-email"), lead(3, email="=HYPERLINK()@x.com")],
                     delimiter=";")
    done = cli("import", str(good), "--module", "leads", "--wait", "--json", db=db_url)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["type"] == "import" and run["module"] == "leads" and run["status"] == "warning"
    assert run["counters"] == {"total": 3, "processed": 3, "created": 1, "updated": 0, "skipped": 0, "failed": 2}
    assert run["file_name"] == "leads.csv" and run["workspace"] == "main"
    assert {a["kind"] for a in run["artifacts"]} == {"source", "failed_records"}

    failed = tmp_path / "failed.csv"
    saved = cli("jobs", "failed-records", str(run["id"]), "-o", str(failed), db=db_url)
    assert saved.returncode == 0, saved.stderr
    with failed.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert [r[-1] for r in rows] == ["Error", "Email field invalid: 'not-an-email'", "Email field invalid: '=HYPERLINK()@x.com'"]

    queued = cli("import", str(good), "--module", "leads", "--dry-run", "--json", db=db_url)
    assert queued.returncode == 0 and json.loads(queued.stdout)["status"] == "pending"

    out = tmp_path / "out.csv"
    exported = cli("export", "--module", "leads", "--format", "csv", "--where", "status=new", "--columns", "email,last_name",
                   "-o", str(out), "--wait", "--json", db=db_url)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["status"] == "completed" and data["result"]["records"] == 1
    assert data["artifacts"][0]["kind"] == "export" and data["result"]["file_size"] == out.stat().st_size
    assert out.read_text(encoding="utf-8-sig").splitlines() == ["Email,Last Name", "lead1@firm.example.com,Last1"]


def test_usage_errors_exit_2_with_one_line(engine: Engine, db_url: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_workspace(engine, "main")
    no_last = write_csv(tmp_path / "n.csv", [["a@x.com"]], ["Email"])
    fake = tmp_path / "fake.xlsx"
    fake.write_text("hello", encoding="utf-8")
    cases = [
        (["import", str(tmp_path / "missing.csv"), "--module", "leads"], "no such file"),
        (["import", str(no_last), "--module", "leads"], "required field Last Name"),
        (["import", str(no_last), "--module", "widgets"], "unknown module 'widgets'"),
        (["import", str(fake), "--module", "leads"], "not a readable spreadsheet"),
        (["export", "--module", "leads", "--where", "shoe=42", "-o", str(tmp_path / "x.csv")], "no field 'shoe'"),
        (["export", "--module", "leads", "--columns", "email,shoe", "-o", str(tmp_path / "x.csv")], "no column 'shoe'"),
    ]
    for args, message in cases:
        result = cli(*args, db=db_url)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert message in lines[-1], (args, result.stderr)
