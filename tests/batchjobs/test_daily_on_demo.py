"""The daily jobs on the demo data, as `worker --once` runs them: due where needed, then current."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from app.clock import today
from app.db import tables
from app.engine.registry import get_job_type
from app.engine.scheduler import enqueue_due
from app.engine.worker import Worker
from tests.db_checksum import domain_checksums

DAILY = ("daily_rescore", "rollup_refresh")


def test_daily_jobs_bring_the_demo_current_and_a_second_pass_finds_nothing(demo_engine: Engine) -> None:
    created = enqueue_due(demo_engine)
    runs = tables.job_runs
    with demo_engine.connect() as conn:
        kinds = conn.execute(select(runs.c.type, func.count()).where(runs.c.id.in_(created)).group_by(runs.c.type)).all()
    assert {k: n for k, n in kinds if k in DAILY} == {"daily_rescore": 2, "rollup_refresh": 2}, kinds
    Worker(demo_engine, "demo-worker").loop(until_empty=True)
    with demo_engine.connect() as conn:
        statuses = conn.execute(select(runs.c.type, runs.c.status).where(runs.c.id.in_(created))).all()
        assert {s for t, s in statuses if t in DAILY} == {"completed"}, statuses
        scored = conn.execute(select(func.count()).where(tables.leads.c.scored_at.is_not(None))).scalar_one()
        rolled = conn.execute(select(func.count()).select_from(tables.account_rollups)).scalar_one()
    assert scored > 0 and rolled > 0
    before = domain_checksums(demo_engine)
    with demo_engine.connect() as conn:
        for key in DAILY:
            due, skipped = get_job_type(key).due(conn, today())  # type: ignore[misc]
            assert due == [] and len(skipped) == 2, (key, due)
    assert enqueue_due(demo_engine) == []
    assert domain_checksums(demo_engine) == before
