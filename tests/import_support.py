"""Builders the import/export tests share: files in any encoding and delimiter, and running
a queued run to its end in this process (as `--wait` does)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from app.cli.commands import wait_for
from app.db import tables
from app.engine import artifacts
from app.engine.records import RunRecord
from app.engine.runs import get_run
from app.transfer.sources import open_source

HEADERS = ["First Name", "Last Name", "Email", "Phone", "Company", "Status"]


def lead(i: int, email: str | None = None, **extra: str) -> list[str]:
    row = {"First Name": f"First{i}", "Last Name": f"Last{i}", "Email": email or f"lead{i}@firm.example.com",
           "Phone": "+49 30 1234567", "Company": f"Company {i}", "Status": "new"}
    row.update(extra)
    return [row[h] for h in HEADERS]


def write_csv(path: Path, rows: list[list[Any]], headers: list[str] | None = None, *, encoding: str = "utf-8",
              delimiter: str = ",", lineterminator: str = "\r\n") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(headers or HEADERS)
        writer.writerows(rows)
    return path


def run_to_end(engine: Engine, run_id: int) -> RunRecord:
    wait_for(engine, run_id)
    return get_run(engine, run_id)


def count(engine: Engine, table_name: str, **where: Any) -> int:
    table = getattr(tables, table_name)
    stmt = select(func.count()).select_from(table)
    for column, value in where.items():
        stmt = stmt.where(table.c[column] == value)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def rows_of(engine: Engine, table_name: str, *columns: str) -> list[tuple[Any, ...]]:
    table = getattr(tables, table_name)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*(table.c[c] for c in columns)).order_by(table.c.id))]


def source_records(path: Path, sheet: str | None = None) -> list[tuple[int, list[object], str | None]]:
    """Every record a file's source gives: (row number, values, the row's problem)."""
    source = open_source(path, sheet)
    try:
        return list(source.records())
    finally:
        source.close()


def saved_artifact(engine: Engine, kind: str, run_id: int, dest: Path) -> Path:
    """The run's stored file of this kind (export, failed_records…), saved to `dest`."""
    with engine.connect() as conn:
        artifact_id = artifacts.find(conn, run_id, kind)
    assert artifact_id is not None, f"run {run_id} has no {kind} file"
    artifacts.save_to(engine, artifact_id, dest)
    return dest
