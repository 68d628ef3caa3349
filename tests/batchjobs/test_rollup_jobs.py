"""Account roll-up refresh (daily) and Rebuild roll-ups (troubleshooting) on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select, update

from app.clock import utcnow
from app.db import tables
from app.engine.status import RunStatus
from jobs import _rollups
from jobs.rollup_refresh import JOB as REFRESH
from tests.batchjobs.helpers import run_job
from tests.batchjobs.world import NOW, build
from tests.db_checksum import domain_checksums

rollups, leads, contacts = tables.account_rollups, tables.leads, tables.contacts
DAY = NOW.date() + dt.timedelta(days=1)


def stored(engine: Engine) -> dict[int, tuple[int, int, float | None, dt.datetime]]:
    with engine.connect() as conn:
        return {r.account_id: (r.contacts_count, r.open_leads_count, r.avg_lead_score, r.refreshed_at)
                for r in conn.execute(select(rollups))}


def test_refresh_builds_rollups_then_only_changed_accounts(engine: Engine) -> None:
    w = build(engine)
    run_job(engine, "rescore", run_date=DAY)
    first = run_job(engine, "rollup_refresh", workspace=w.ws_a, run_date=DAY)
    assert first.status is RunStatus.COMPLETED, first.error
    assert first.created == 2 and first.processed == 2
    rows = stored(engine)
    assert set(rows) == {w.accounts["acme"], w.accounts["globex"]}
    with engine.connect() as conn:
        acme = conn.execute(select(leads.c.status, leads.c.score).where(leads.c.account_id == w.accounts["acme"])).all()
    assert rows[w.accounts["acme"]][:2] == (2, sum(1 for r in acme if r.status in ("new", "qualified")))
    assert rows[w.accounts["acme"]][2] == pytest.approx(round(sum(r.score for r in acme) / len(acme), 2))
    assert rows[w.accounts["globex"]][0] == 3

    before = domain_checksums(engine)
    second = run_job(engine, "rollup_refresh", workspace=w.ws_a, run_date=DAY)
    assert second.processed == 0 and second.created == second.updated == 0
    assert domain_checksums(engine) == before
    with engine.connect() as conn:
        assert REFRESH.due(conn, DAY)[0] == [(w.ws_b, "1 accounts changed since their last roll-up")]  # type: ignore[misc]

    with engine.begin() as conn:  # one lead of globex is qualified away
        lead_id = conn.execute(select(leads.c.id).where(leads.c.account_id == w.accounts["globex"]).limit(1)).scalar_one()
        conn.execute(update(leads).where(leads.c.id == lead_id).values(status="unqualified",
                                                                        updated_at=utcnow()))
    third = run_job(engine, "rollup_refresh", workspace=w.ws_a, run_date=DAY)
    assert third.processed == 1 and third.updated == 1, "only the account whose lead changed is looked at"
    after = stored(engine)
    assert after[w.accounts["globex"]][1] == rows[w.accounts["globex"]][1] - 1
    assert after[w.accounts["acme"]] == rows[w.accounts["acme"]]


def test_dry_run_changes_nothing(engine: Engine) -> None:
    w = build(engine)
    before = domain_checksums(engine)
    run = run_job(engine, "rebuild_rollups", {"dry_run": True, "force": True}, run_date=DAY)
    assert run.status is RunStatus.COMPLETED and run.processed == 3
    assert run.result and run.result[str(w.ws_a)]["created"] == 2
    assert domain_checksums(engine) == before


@pytest.mark.parametrize("key", ["rollup_refresh", "rebuild_rollups"])
def test_cancel_keeps_the_finished_batches(engine: Engine, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    w = build(engine)
    monkeypatch.setattr(_rollups, "BATCH", 1)
    run = run_job(engine, key, workspace=w.ws_a, run_date=DAY, cancel_after=1)
    assert run.status is RunStatus.STOPPED
    assert list(stored(engine)) == [w.accounts["acme"]]


@pytest.mark.parametrize(("params", "expected"), [
    (lambda w: {"employee_id": w.emp["mia"]}, lambda w: {w.accounts["globex"]}),
    (lambda w: {"org_unit_id": w.units["sales"]}, lambda w: {w.accounts["acme"]}),
    (lambda w: {"org_unit_id": w.units["root"]}, lambda w: {w.accounts["acme"], w.accounts["globex"]}),
])
def test_rebuild_scope(engine: Engine, params, expected) -> None:  # type: ignore[no-untyped-def]
    w = build(engine)
    run = run_job(engine, "rebuild_rollups", params(w), run_date=DAY)
    assert run.status is RunStatus.COMPLETED
    assert set(stored(engine)) == expected(w)


def test_force_rebuild_restamps_every_account_in_scope(engine: Engine) -> None:
    w = build(engine)
    run_job(engine, "rebuild_rollups", run_date=DAY)
    old = stored(engine)
    forced = run_job(engine, "rebuild_rollups", {"force": True, "employee_id": w.emp["sam"]}, run_date=DAY)
    assert forced.processed == 1 and forced.updated == 0 and forced.created == 0
    new = stored(engine)
    assert new[w.accounts["acme"]][3] > old[w.accounts["acme"]][3]
    assert new[w.accounts["globex"]] == old[w.accounts["globex"]]


def test_past_day_gives_that_days_projection_and_today_catches_up(engine: Engine) -> None:
    w = build(engine)
    past = DAY - dt.timedelta(days=3)
    run_job(engine, "rebuild_rollups", run_date=past)
    then = stored(engine)
    assert run_job(engine, "rebuild_rollups", run_date=past).processed == 0, "same day again: nothing to do"
    today = run_job(engine, "rollup_refresh", workspace=w.ws_a, run_date=DAY)
    assert today.updated == 1, "the lead acme got yesterday now counts; globex had no new lead"
    now = stored(engine)
    assert now[w.accounts["acme"]][1] > then[w.accounts["acme"]][1]


def test_deleted_lead_invalidates_its_account(engine: Engine) -> None:
    w = build(engine)
    run_job(engine, "rollup_refresh", workspace=w.ws_b, run_date=DAY)
    from app.domain import rollups as domain

    with engine.begin() as conn:
        where = leads.c.account_id == w.accounts["initech"]
        assert domain.invalidate(conn, leads, where) == 1
        conn.execute(leads.delete().where(where))
    run = run_job(engine, "rollup_refresh", workspace=w.ws_b, run_date=DAY)
    assert run.created == 1
    assert stored(engine)[w.accounts["initech"]][1:3] == (0, None)
