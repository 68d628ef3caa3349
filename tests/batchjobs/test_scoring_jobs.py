"""Re-score, Daily re-score and Recompute scores on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, select, update

from app.db import tables
from app.engine.scheduler import enqueue_due
from app.engine.status import RunStatus
from jobs import _scoring
from tests.batchjobs.helpers import run_job
from tests.batchjobs.world import NOW, build, expected_score, lead_row
from tests.db_checksum import domain_checksums

leads = tables.leads
DAY = NOW.date() + dt.timedelta(days=1)


def scores(engine: Engine, ws: int | None = None) -> dict[int, tuple[int, dt.datetime | None]]:
    stmt = select(leads.c.id, leads.c.score, leads.c.scored_at).order_by(leads.c.id)
    if ws is not None:
        stmt = stmt.where(leads.c.workspace_id == ws)
    with engine.connect() as conn:
        return {r.id: (r.score, r.scored_at) for r in conn.execute(stmt)}


def test_rescore_writes_rule_points_and_second_run_changes_nothing(engine: Engine) -> None:
    w = build(engine)
    first = run_job(engine, "rescore", workspace=w.ws_a, run_date=DAY)
    assert first.status is RunStatus.COMPLETED, first.error
    assert first.total == 18 and first.processed == 18 and first.updated == 18
    with engine.connect() as conn:
        rows = conn.execute(select(leads).where(leads.c.workspace_id == w.ws_a)).all()
        others = conn.execute(select(leads.c.score).where(leads.c.workspace_id == w.ws_b)).scalars().all()
    for r in rows:
        assert r.score == expected_score(r.title, r.status, r.phone), r
        assert r.scored_at is not None
    assert set(others) == {0}, "the other workspace is left alone"
    before = domain_checksums(engine)
    second = run_job(engine, "rescore", workspace=w.ws_a, run_date=DAY)
    assert second.status is RunStatus.COMPLETED
    assert second.updated == 0 and second.processed == 18
    assert domain_checksums(engine) == before


def test_rescore_filter_only_touches_matching_leads(engine: Engine) -> None:
    w = build(engine)
    run = run_job(engine, "rescore", {"where": ["status=qualified"]}, workspace=w.ws_a, run_date=DAY)
    assert run.status is RunStatus.COMPLETED
    with engine.connect() as conn:
        rows = conn.execute(select(leads.c.status, leads.c.score).where(leads.c.workspace_id == w.ws_a)).all()
    assert {r.status for r in rows if r.score} == {"qualified"}
    assert all(r.score > 0 for r in rows if r.status == "qualified")


@pytest.mark.parametrize("key", ["rescore", "recompute_scores"])
def test_dry_run_changes_nothing(engine: Engine, key: str) -> None:
    w = build(engine)
    before = domain_checksums(engine)
    run = run_job(engine, key, {"dry_run": True}, workspace=w.ws_a, run_date=DAY)
    assert run.status is RunStatus.COMPLETED
    assert run.processed == 18 and run.updated == 0
    assert run.result and run.result["changed"] == 18
    assert domain_checksums(engine) == before


@pytest.mark.parametrize("key", ["rescore", "daily_rescore", "recompute_scores"])
def test_cancel_between_batches_keeps_what_was_scored(engine: Engine, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    w = build(engine)
    monkeypatch.setattr(_scoring, "BATCH", 5)
    run = run_job(engine, key, workspace=w.ws_a, run_date=DAY, cancel_after=5)
    assert run.status is RunStatus.STOPPED
    scored = [s for s, at in scores(engine, w.ws_a).values() if at is not None]
    assert len(scored) == 5 and run.updated == 5, "the first batch is kept, the rest never started"
    again = run_job(engine, "rescore", workspace=w.ws_a, run_date=DAY)
    assert again.status is RunStatus.COMPLETED and again.updated == 13


def test_age_rule_follows_the_run_date(engine: Engine) -> None:
    w = build(engine)
    with engine.begin() as conn:
        conn.execute(insert(tables.scoring_rules).values(workspace_id=w.ws_a, field="created_at", operator="older_than",
                                                         value="60", points=-10, active=True, updated_at=NOW))
        lead_id = conn.execute(insert(leads).values(**lead_row(w.ws_a, None, 900, created_at=NOW - dt.timedelta(days=50)))
                               .returning(leads.c.id)).scalar_one()
    run_job(engine, "rescore", workspace=w.ws_a, run_date=DAY)
    assert scores(engine)[lead_id][0] == 10
    future = run_job(engine, "rescore", workspace=w.ws_a, run_date=DAY + dt.timedelta(days=20))
    assert scores(engine)[lead_id][0] == 0, "20 days on, the lead is older than 60 days"
    assert future.updated >= 1
    past = run_job(engine, "rescore", workspace=w.ws_a, run_date=DAY - dt.timedelta(days=5))
    assert scores(engine)[lead_id][0] == 10, "five days ago the lead was 45 days old"
    assert past.processed < 19, "a past day only sees the leads that existed then"


def test_bad_rule_is_reported_and_skipped(engine: Engine) -> None:
    w = build(engine)
    with engine.begin() as conn:
        conn.execute(insert(tables.scoring_rules).values(workspace_id=w.ws_a, field="shoe_size", operator="eq",
                                                         value="42", points=99, active=True, updated_at=NOW))
    run = run_job(engine, "rescore", workspace=w.ws_a, run_date=DAY)
    assert run.status is RunStatus.WARNING
    assert max(s for s, _ in scores(engine, w.ws_a).values()) < 99


@pytest.mark.parametrize(("scope", "owners"), [("employee", {"ivy"}), ("org_unit", {"sam", "ivy"})])
def test_recompute_scope_touches_only_its_owners(engine: Engine, scope: str, owners: set[str]) -> None:
    w = build(engine)
    params = {"employee_id": w.emp["ivy"]} if scope == "employee" else {"org_unit_id": w.units["sales"]}
    run = run_job(engine, "recompute_scores", params, run_date=DAY)
    assert run.status is RunStatus.COMPLETED
    assert run.processed == 6 * len(owners)
    ids = {w.emp[o] for o in owners}
    with engine.connect() as conn:
        rows = conn.execute(select(leads.c.owner_id, leads.c.scored_at)).all()
    assert {r.owner_id for r in rows if r.scored_at is not None} == ids


def test_recompute_force_rewrites_every_lead_in_scope(engine: Engine) -> None:
    w = build(engine)
    run_job(engine, "recompute_scores", run_date=DAY)
    stamp = dt.datetime(2000, 1, 1)
    with engine.begin() as conn:
        conn.execute(update(leads).values(scored_at=stamp))
    plain = run_job(engine, "recompute_scores", {"employee_id": w.emp["mia"]}, run_date=DAY)
    assert plain.updated == 0
    forced = run_job(engine, "recompute_scores", {"employee_id": w.emp["mia"], "force": True}, run_date=DAY)
    assert forced.status is RunStatus.COMPLETED and forced.processed == 6
    with engine.connect() as conn:
        rows = conn.execute(select(leads.c.owner_id, leads.c.scored_at)).all()
    assert {r.owner_id for r in rows if r.scored_at != stamp} == {w.emp["mia"]}


def test_daily_rescore_is_due_only_where_scores_are_stale(engine: Engine) -> None:
    w = build(engine)
    run_job(engine, "rescore", workspace=w.ws_b, run_date=DAY)
    from jobs.daily_rescore import JOB

    with engine.connect() as conn:
        due, skipped = JOB.due(conn, DAY)  # type: ignore[misc]
    assert [ws for ws, _ in due] == [w.ws_a]
    assert [ws for ws, _ in skipped] == [w.ws_b]
    run = run_job(engine, "daily_rescore", workspace=w.ws_a, run_date=DAY)
    assert run.status is RunStatus.COMPLETED and run.updated == 18
    before = domain_checksums(engine)
    assert run_job(engine, "daily_rescore", workspace=w.ws_a, run_date=DAY).updated == 0
    assert domain_checksums(engine) == before
    with engine.connect() as conn:
        due, skipped = JOB.due(conn, DAY)  # type: ignore[misc]
    assert due == [] and len(skipped) == 2


def test_scheduler_enqueues_due_workspaces_and_records_the_skipped(engine: Engine) -> None:
    w = build(engine)
    run_job(engine, "rescore", workspace=w.ws_b, run_date=DAY)
    created = enqueue_due(engine, DAY)
    assert enqueue_due(engine, DAY) == [], "one run per job, workspace and day"
    d = tables.schedule_decisions
    with engine.connect() as conn:
        runs = conn.execute(select(tables.job_runs.c.type, tables.job_runs.c.workspace_id)
                            .where(tables.job_runs.c.id.in_(created))).all()
        decided = conn.execute(select(d.c.workspace_id, d.c.decision).where(d.c.job_type == "daily_rescore")).all()
    assert ("daily_rescore", w.ws_a) in runs and ("daily_rescore", w.ws_b) not in runs
    assert sorted(decided) == sorted([(w.ws_a, "enqueued"), (w.ws_b, "skipped")])


def test_unreadable_rescore_filter_is_refused_before_queueing(engine: Engine) -> None:
    from app.engine.runs import OptionsError, enqueue

    with pytest.raises(OptionsError, match="shoe_size"):
        enqueue(engine, "rescore", {"where": ["shoe_size>40"]})
