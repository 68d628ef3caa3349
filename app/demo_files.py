"""The demo's stored files: a failed-records file for every demo import with failed rows,
made from its row errors as the import job makes it, so that Download Failed Records works on
the demo's runs as on real ones (without it the button was disabled on a run with 22 failed rows)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from app.db import tables
from app.db.engine import write_transaction
from app.engine import artifacts
from app.engine.scratch import scratch_dir
from app.settings_store import retention_days
from app.transfer.failed import write_failed_records

runs = tables.job_runs
HEADERS = ["First Name", "Last Name", "Email"]  # the demo's row errors hold these columns


def store_failed_records(engine: Engine) -> int:
    """Store the files; returns how many."""
    with engine.connect() as conn:
        failed = conn.execute(select(runs.c.id, runs.c.file_name)
                              .where(runs.c.type == "import", runs.c.failed > 0).order_by(runs.c.id)).all()
        days = retention_days(conn)["failed_records"]
    with scratch_dir("demo-failed") as tmp:
        for run_id, file_name in failed:
            workbook = str(file_name or "").lower().endswith(".xlsx")
            source = {"format": "xlsx", "headers": HEADERS, "sheet": "Sheet1"} if workbook else \
                {"format": "csv", "headers": HEADERS, "encoding": "utf-8", "delimiter": ","}
            dest = tmp / f"{Path(str(file_name or 'import')).stem}-failed-records{'.xlsx' if workbook else '.csv'}"
            write_failed_records(engine, int(run_id), source, dest)
            with write_transaction(engine) as conn:
                artifacts.store(conn, int(run_id), "failed_records", dest.name, dest, retention_days=days)
    return len(failed)
