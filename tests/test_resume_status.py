"""A run resumed after its worker died is judged by its counters, like any run: the resume
note in its log is no skipped or failed row, so a clean import ends `completed`, not `warning`
(SPEC: warning = some rows were skipped or failed, the counters say which)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from app.db import tables
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import count, lead, run_to_end, write_csv


def test_clean_import_resumed_from_a_checkpoint_ends_completed(engine, tmp_path: Path):
    add_workspace(engine, "main")
    source = write_csv(tmp_path / "leads.csv", [lead(i) for i in range(10)])
    run_id = enqueue_import(engine, source, "leads", "skip", {}, None, False, None, "main", None)
    # What a worker killed after committing the first four rows leaves behind, re-queued by recovery.
    first = enqueue_import(engine, write_csv(tmp_path / "first.csv", [lead(i) for i in range(4)]),
                           "leads", "skip", {}, None, False, None, "main", None)
    assert run_to_end(engine, first).status is RunStatus.COMPLETED
    counters = {"total": 10, "processed": 4, "created": 4, "updated": 0, "skipped": 0, "failed": 0, "errors_count": 0}
    with engine.begin() as conn:
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id)
                     .values(checkpoint={"state": {"rows_read": 4}, "counters": counters}, attempts=1))
    run = run_to_end(engine, run_id)
    assert (run.created, run.skipped, run.failed, run.processed) == (10, 0, 0, 10)
    assert count(engine, "leads") == 10
    assert run.status is RunStatus.COMPLETED, run.error
