"""Cancel and replay every run of a history filter (the console's select-all), in SQL: the same
rules as the single actions (can_cancel, can_replay), runs outside the filter untouched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select, update

from app.api.runs import can_cancel, can_replay, cancel_matching, count_actionable, replay_matching
from app.db import tables
from app.engine import bulk
from app.engine.history import RunFilter, list_runs
from app.engine.runs import enqueue, get_run
from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import count, lead, run_to_end, write_csv

runs = tables.job_runs


def _all(engine):  # type: ignore[no-untyped-def]
    return {r.id: r for r in list_runs(engine, RunFilter(), limit=100_000)}


def _logs(engine, run_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(conn.execute(select(tables.job_logs.c.message).where(tables.job_logs.c.run_id == run_id)
                                 .order_by(tables.job_logs.c.id)).scalars())


def test_cancel_matching_cancels_what_the_single_action_would_and_nothing_else(demo_engine, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 3)  # several chunks
    flt = RunFilter(types=["rebuild_search_index"])
    ids = []
    for _ in range(6):
        ids.append(enqueue(demo_engine, "rebuild_search_index", {}))
        enqueue(demo_engine, "rescore", {})  # queued too, but not of the filter
    running, asked = ids[:2]  # running; running and already asked to stop (not asked twice)
    with demo_engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id.in_([running, asked])).values(status="started", worker="w1"))
        conn.execute(update(runs).where(runs.c.id == asked).values(cancel_requested=True))
    before = _all(demo_engine)
    expected = {i for i, r in before.items() if r.type == "rebuild_search_index" and can_cancel(r)}
    pending = {i for i in expected if before[i].status is RunStatus.PENDING}
    assert len(pending) > 3 and running in expected - pending and asked not in expected
    assert count_actionable(demo_engine, flt).cancellable == len(expected)

    outcome = cancel_matching(demo_engine, flt, by="tester")

    assert outcome.done == len(expected)
    assert sorted(outcome.running) == sorted(expected - pending)
    after = _all(demo_engine)
    for run_id, run in before.items():
        now = after[run_id]
        if run_id in pending:
            assert now.status is RunStatus.STOPPED and now.finished_at is not None and now.cancel_requested
        elif run_id in expected:
            assert now.status is RunStatus.STARTED and now.cancel_requested
        else:
            assert (now.status, now.cancel_requested) == (run.status, run.cancel_requested), run_id
    assert _logs(demo_engine, min(pending))[-1] == "Cancelled by tester before it started"
    assert _logs(demo_engine, min(expected - pending))[-1] == "Cancel requested by tester"
    assert count_actionable(demo_engine, flt).cancellable == 0


def test_replay_matching_replays_the_filters_ended_runs_once(demo_engine, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 4)
    kinds = ("export", "sync", "rebuild_search_index")
    flt = RunFilter(types=list(kinds))
    queued = enqueue(demo_engine, "rebuild_search_index", {})  # not ended: not replayed
    with demo_engine.begin() as conn:  # an archived run that read a file cannot be replayed
        gone = conn.execute(select(runs.c.id).where(runs.c.type == "sync", runs.c.status == "completed")
                            .order_by(runs.c.id).limit(1)).scalar_one()
        params = dict(get_run(conn, gone).params, file="drop/accounts.csv")
        conn.execute(update(runs).where(runs.c.id == gone).values(archived=True, params=params))
    before = _all(demo_engine)
    expected = {i for i, r in before.items() if r.type in kinds and can_replay(r)}
    assert gone not in expected and queued not in expected and len(expected) > 8
    assert count_actionable(demo_engine, flt).replayable == len(expected)

    outcome = replay_matching(demo_engine, flt, dt.date(2026, 5, 4))

    assert outcome.done == len(expected)
    after = _all(demo_engine)
    new = {i: r for i, r in after.items() if i not in before}
    assert sorted(r.replay_of for r in new.values()) == sorted(expected)  # each once
    for run in new.values():
        original = before[run.replay_of]  # type: ignore[index]
        assert (run.type, run.module, run.workspace_id, run.params, run.file_name) == (
            original.type, original.module, original.workspace_id, original.params, original.file_name)
        assert run.status is RunStatus.PENDING and run.run_date == dt.date(2026, 5, 4)
    first = min(new)
    assert _logs(demo_engine, first) == ["Queued by " + new[first].initiated_by + " for 2026-05-04",  # type: ignore[operator]
                                         f"Replay of run #{new[first].replay_of}"]
    assert count_actionable(demo_engine, flt).replayable == len(expected)  # the new runs have not ended


def test_a_replayed_import_reads_its_stored_file_on_its_own_date(engine, tmp_path: Path) -> None:
    add_workspace(engine, "main")
    source = write_csv(tmp_path / "leads.csv", [lead(i) for i in range(5)])
    imported = run_to_end(engine, enqueue_import(engine, source, "leads", "skip", {}, None, False, None, "main", None))
    source.unlink()  # the replay reads the copy stored in the database
    outcome = replay_matching(engine, RunFilter(types=["import"]))
    assert outcome.done == 1
    with engine.connect() as conn:
        new_id = conn.execute(select(func.max(runs.c.id))).scalar_one()
    replayed = run_to_end(engine, new_id)
    assert replayed.replay_of == imported.id and replayed.run_date == imported.run_date
    assert replayed.status is RunStatus.WARNING and (replayed.skipped, replayed.failed) == (5, 0)  # now duplicates
    assert count(engine, "leads") == 5
