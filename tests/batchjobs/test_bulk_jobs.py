"""Bulk Update and Bulk Delete on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from app.db import tables
from app.engine.history import log_lines
from app.engine.runs import OptionsError, enqueue
from app.engine.status import RunStatus
from jobs import bulk_delete, bulk_update
from tests.batchjobs.helpers import run_job
from tests.batchjobs.world import NOW, build
from tests.db_checksum import domain_checksums

leads, contacts, rollups = tables.leads, tables.contacts, tables.account_rollups


def statuses(engine: Engine, ws: int) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(leads.c.status, func.count()).where(leads.c.workspace_id == ws).group_by(leads.c.status))
        return {r[0]: int(r[1]) for r in rows}


def test_bulk_update_sets_fields_on_the_filtered_records_once(engine: Engine) -> None:
    w = build(engine)
    params = {"module": "leads", "where": ["status=new", "title~head"], "changes": ["status=contacted", "owner=mia@corp.example"]}
    first = run_job(engine, "bulk_update", params, workspace=w.ws_a)
    assert first.status is RunStatus.COMPLETED, first.error
    with engine.connect() as conn:
        moved = conn.execute(select(leads.c.status, leads.c.owner_id, leads.c.updated_at)
                             .where(leads.c.status == "contacted")).all()
    assert len(moved) == first.updated == first.processed > 0
    assert {(r.status, r.owner_id) for r in moved} == {("contacted", w.emp["mia"])}
    assert all(r.updated_at > NOW for r in moved)
    assert statuses(engine, w.ws_b).get("contacted") is None, "another workspace is left alone"
    before = domain_checksums(engine)
    second = run_job(engine, "bulk_update", params, workspace=w.ws_a)
    assert second.status is RunStatus.COMPLETED and second.updated == 0 and second.processed == 0
    assert domain_checksums(engine) == before


def test_bulk_update_only_writes_rows_that_differ(engine: Engine) -> None:
    w = build(engine)
    run = run_job(engine, "bulk_update", {"module": "leads", "changes": ["country=Germany"]}, workspace=w.ws_a)
    assert run.processed == 18 and run.updated == 0


def test_bulk_update_dry_run_changes_nothing(engine: Engine) -> None:
    w = build(engine)
    before = domain_checksums(engine)
    run = run_job(engine, "bulk_update", {"module": "leads", "changes": ["status=unqualified"], "dry_run": True})
    assert run.status is RunStatus.COMPLETED
    assert run.result == {"changed": 24, "dry_run": True}
    assert domain_checksums(engine) == before
    assert w.ws_a


def test_bulk_update_cancel_keeps_the_finished_batches(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    w = build(engine)
    monkeypatch.setattr(bulk_update, "BATCH", 4)
    run = run_job(engine, "bulk_update", {"module": "leads", "changes": ["city=Hamburg"]}, workspace=w.ws_a, cancel_after=4)
    assert run.status is RunStatus.STOPPED and run.updated == 4
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(leads.c.city == "Hamburg")).scalar_one() == 4


def test_bulk_update_unknown_owner_fails_the_workspace_and_changes_nothing(engine: Engine) -> None:
    w = build(engine)
    before = domain_checksums(engine)
    run = run_job(engine, "bulk_update", {"module": "leads", "changes": ["owner=bob@corp.example"]}, workspace=w.ws_a)
    assert run.status is RunStatus.WARNING and run.failed == 18 and run.errors_count == 1
    assert domain_checksums(engine) == before


def test_moving_contacts_invalidates_the_account_they_leave(engine: Engine) -> None:
    w = build(engine)
    run_job(engine, "rollup_refresh", workspace=w.ws_a)
    run = run_job(engine, "bulk_update", {"module": "contacts", "where": ["email~c0"], "changes": ["account=Globex"]},
                  workspace=w.ws_a)
    assert run.updated == 2
    refresh = run_job(engine, "rollup_refresh", workspace=w.ws_a)
    assert refresh.created == 1 and refresh.updated == 1
    with engine.connect() as conn:
        counts = dict(conn.execute(select(rollups.c.account_id, rollups.c.contacts_count)).all())
    assert counts == {w.accounts["acme"]: 0, w.accounts["globex"]: 5}


@pytest.mark.parametrize("params", [
    {"module": "leads", "changes": ["email=a@b.com"]},
    {"module": "leads", "changes": ["status=maybe"]},
    {"module": "leads", "changes": []},
    {"module": "leads", "where": ["shoe=42"], "changes": ["status=new"]},
])
def test_bad_bulk_update_options_are_refused_before_queueing(engine: Engine, params: dict[str, object]) -> None:
    with pytest.raises(OptionsError):
        enqueue(engine, "bulk_update", params)


def test_bulk_delete_counts_first_then_deletes_in_batches(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    w = build(engine)
    run_job(engine, "rebuild_search_index")
    run_job(engine, "rollup_refresh", workspace=w.ws_a)
    monkeypatch.setattr(bulk_delete, "BATCH", 3)
    params = {"module": "leads", "where": ["status=qualified"]}
    run = run_job(engine, "bulk_delete", params, workspace=w.ws_a)
    assert run.status is RunStatus.COMPLETED, run.error
    assert run.total == run.processed == 6
    assert statuses(engine, w.ws_a) == {"new": 12} and statuses(engine, w.ws_b).get("qualified") == 2
    messages = [line["message"] for line in log_lines(engine, run.id)]
    count_at = next(i for i, m in enumerate(messages) if m.startswith("6 leads match status=qualified"))
    deleted_at = next(i for i, m in enumerate(messages) if "6 leads deleted" in m)
    assert count_at < deleted_at, "the count is shown before anything is deleted"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rollups)).scalar_one() == 0, "their accounts need a refresh"
    before = domain_checksums(engine)
    again = run_job(engine, "bulk_delete", params, workspace=w.ws_a)
    assert again.status is RunStatus.COMPLETED and again.processed == 0
    assert domain_checksums(engine) == before
    refreshed = run_job(engine, "rebuild_search_index", {"dry_run": True}, workspace=w.ws_a)
    assert refreshed.result and refreshed.result[f"{w.ws_a}:leads"]["removed"] == 0, "no orphan search documents"


def test_bulk_delete_dry_run_changes_nothing(engine: Engine) -> None:
    build(engine)
    before = domain_checksums(engine)
    run = run_job(engine, "bulk_delete", {"module": "accounts", "where": ["name~c"], "dry_run": True})
    assert run.status is RunStatus.COMPLETED and run.total == 2 and run.result["matching"] == 2  # type: ignore[index]
    assert domain_checksums(engine) == before


def test_bulk_delete_cancel_keeps_what_was_deleted(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    w = build(engine)
    monkeypatch.setattr(bulk_delete, "BATCH", 5)
    run = run_job(engine, "bulk_delete", {"module": "leads", "where": ["country=Germany"]}, workspace=w.ws_a,
                  cancel_after=5)
    assert run.status is RunStatus.STOPPED and run.processed == 5
    assert sum(statuses(engine, w.ws_a).values()) == 13


def test_bulk_delete_of_accounts_unlinks_their_records(engine: Engine) -> None:
    w = build(engine)
    run = run_job(engine, "bulk_delete", {"module": "accounts", "where": ["name=Acme"]})
    assert run.processed == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(leads.c.account_id == w.accounts["acme"])).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(leads)).scalar_one() == 24


def test_bulk_delete_needs_a_filter(engine: Engine) -> None:
    with pytest.raises(OptionsError):
        enqueue(engine, "bulk_delete", {"module": "leads", "where": []})


def test_a_cancel_after_the_last_row_leaves_the_run_completed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped means terminated before completion (seed 003): a cancel that lands once every
    row is done ends nothing, so the run ends by its counters, saying what happened."""
    w = build(engine)
    monkeypatch.setattr(bulk_update, "BATCH", 4)
    run = run_job(engine, "bulk_update", {"module": "leads", "changes": ["city=Hamburg"]}, workspace=w.ws_a,
                  cancel_after=18)
    assert (run.processed, run.total, run.updated) == (18, 18, 18)
    assert run.status is RunStatus.COMPLETED, run.error
    assert any("Cancel requested after the last row" in line["message"] for line in log_lines(engine, run.id))
