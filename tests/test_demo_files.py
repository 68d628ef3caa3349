"""The demo's imports with failed rows have their failed-records file, as real imports do, so
the console's Download Failed Records works on them (it was disabled on every demo run)."""

from __future__ import annotations

import csv
import io

import openpyxl
from sqlalchemy import Engine, select

from app.db import tables
from app.engine import artifacts

runs, stored = tables.job_runs, tables.artifacts


def test_every_demo_import_with_failed_rows_has_its_failed_records_file(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        failing = dict(conn.execute(select(runs.c.id, runs.c.file_name).where(runs.c.type == "import", runs.c.failed > 0)).all())
        files = dict(conn.execute(select(stored.c.run_id, stored.c.name).where(stored.c.kind == "failed_records")).all())
    assert failing and set(files) == set(failing)
    for run_id, name in failing.items():
        suffix = ".xlsx" if name.endswith(".xlsx") else ".csv"
        assert files[run_id] == name.removesuffix(suffix) + "-failed-records" + suffix
    run_id = min(failing)
    with demo_engine.connect() as conn:
        artifact_id = artifacts.find(conn, run_id, "failed_records")
    assert artifact_id is not None
    data = b"".join(artifacts.read_chunks(demo_engine, artifact_id))
    if failing[run_id].endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        rows = [[str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == ["First Name", "Last Name", "Email", "Error"]
    assert len(rows) > 1 and all(row[2] == "not-an-email" and "Email field invalid" in row[3] for row in rows[1:])
