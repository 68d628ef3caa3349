"""PostgreSQL imports write on two lanes at once, yet commit strictly in file order: a batch
whose write finishes early still waits for the batch before it, so the database is always
exactly at a checkpoint (what a resumed run relies on)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from app.engine.context import JobContext
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from app.transfer.batch import Batch
from app.transfer.writers import PostgresBackend
from tests.engine_support import add_workspace
from tests.import_support import count, lead, rows_of, run_to_end, write_csv


def second_batch_writes_first(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold the first batch's write-ahead until the second lane has written ahead the second
    batch; the event is set once it has."""
    second_written = threading.Event()
    write_ahead = PostgresBackend.write_ahead

    def first_waits_for_second(backend: PostgresBackend, batch: Batch) -> None:
        if batch.sequence == 0:
            assert second_written.wait(60), "the second lane never wrote the second batch"
        write_ahead(backend, batch)
        if batch.sequence == 1:
            second_written.set()

    monkeypatch.setattr(PostgresBackend, "write_ahead", first_waits_for_second)
    return second_written


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_later_batch_written_first_still_commits_after_the_one_before(engine: Engine, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    add_workspace(engine)
    second_written = second_batch_writes_first(monkeypatch)
    checkpoints: list[int] = []
    save = JobContext.save_checkpoint

    def recording(ctx: JobContext, conn: Connection, state: dict[str, Any]) -> None:
        checkpoints.append(state["rows_read"])
        save(ctx, conn, state)

    monkeypatch.setattr(JobContext, "save_checkpoint", recording)
    path = write_csv(tmp_path / "leads.csv", [lead(i) for i in range(1_000)])
    run = run_to_end(engine, enqueue_import(engine, path, "leads", workspace="main", batch_size=100))
    assert run.status is RunStatus.COMPLETED, run.error
    assert second_written.is_set()
    assert checkpoints == list(range(100, 1_001, 100))  # in file order, though batch 2 was written before batch 1
    assert run.created == count(engine, "leads") == 1_000
    assert {e for (e,) in rows_of(engine, "leads", "email")} == {f"lead{i}@firm.example.com" for i in range(1_000)}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_updates_are_staged_ahead_yet_merged_in_file_order(engine: Engine, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The second batch stages its updates while the first has not committed; the same records
    updated by both batches end with the second batch's values (merges keep file order)."""
    add_workspace(engine)
    first = write_csv(tmp_path / "first.csv", [lead(i) for i in range(100)])
    assert run_to_end(engine, enqueue_import(engine, first, "leads", workspace="main")).status is RunStatus.COMPLETED
    second_staged = second_batch_writes_first(monkeypatch)
    # Rows 1-100 update leads 0-99 to "Company A"; rows 101-200 update the same leads to "Company B".
    changes = [lead(i, Company="Company A") for i in range(100)] + [lead(i, Company="Company B") for i in range(100)]
    path = write_csv(tmp_path / "changes.csv", changes)
    run = run_to_end(engine, enqueue_import(engine, path, "leads", "update", workspace="main", batch_size=100))
    assert run.status is RunStatus.COMPLETED, run.error
    assert second_staged.is_set()
    assert (run.updated, run.created) == (200, 0)
    assert {c for (c,) in rows_of(engine, "leads", "company")} == {"Company B"}
