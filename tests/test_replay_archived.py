"""Replay rules. After retention: an archived import lost its stored file with its details, so a
replay must say so instead of reading whatever file of that name is in the current folder;
an archived run that read no file still replays from its kept parameters."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import update

from app.api.runs import can_replay
from app.clock import utcnow
from app.db import tables
from app.engine.runs import OptionsError, enqueue, get_run, replay
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import count, lead, run_to_end, write_csv


def _age(engine, *run_ids: int) -> None:  # type: ignore[no-untyped-def]
    old = utcnow() - dt.timedelta(days=120)
    with engine.begin() as conn:
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id.in_(run_ids))
                     .values(queued_at=old, started_at=old, finished_at=old))


def test_archived_import_is_not_replayed_from_a_stranger_file(engine, tmp_path: Path, monkeypatch):
    add_workspace(engine, "main")
    imported = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "leads.csv", [lead(1)]), "leads",
                                                 "skip", {}, None, False, None, "main", None))
    other = run_to_end(engine, enqueue(engine, "rebuild_search_index", {}))
    _age(engine, imported.id, other.id)
    assert run_to_end(engine, enqueue(engine, "retention_cleanup", {})).status is RunStatus.COMPLETED
    archived = get_run(engine, imported.id)
    assert archived.archived and not can_replay(archived)
    # A different file of the same name in the folder the replay is asked from.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_csv(elsewhere / "leads.csv", [lead(i) for i in range(100, 150)])
    monkeypatch.chdir(elsewhere)
    assert os.getcwd() == str(elsewhere)
    with pytest.raises(OptionsError, match="is archived: its file leads.csv was removed"):
        replay(engine, imported.id)
    assert count(engine, "leads") == 1
    kept = get_run(engine, other.id)
    assert kept.archived and can_replay(kept)
    assert run_to_end(engine, replay(engine, other.id)).status is RunStatus.COMPLETED


def test_a_run_is_replayed_once_it_has_ended(engine):
    """As the console's Replay button: a queued or running run is not replayed (that would
    queue the same work twice); the command line says so (exit 2)."""
    queued = enqueue(engine, "rescore", {})
    with pytest.raises(OptionsError, match=f"run {queued} has not ended \\(Queued\\)"):
        replay(engine, queued)
    assert not can_replay(get_run(engine, queued))
