"""Schedules data: the last pass's decisions when today has none yet, the next daily pass."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from app.api import schedules
from app.clock import today
from app.engine.scheduler import enqueue_due


def test_decisions_fall_back_to_the_last_pass_then_show_today(demo_engine: Engine) -> None:
    jobs = {j.key: j for j in schedules.scheduled_jobs(demo_engine, today())}
    assert set(jobs) >= {"retention_cleanup", "rollup_refresh", "notification_delivery", "daily_rescore"}
    rollup = jobs["rollup_refresh"]
    assert rollup.last_run is not None and rollup.decided_on == rollup.last_run.run_date
    assert [d.run_id for d in rollup.enqueued] == [rollup.last_run.id]
    assert len(rollup.skipped) == 1 and rollup.skipped[0].reason == "no account changed since the last roll-up"
    assert jobs["daily_rescore"].decisions == [] and jobs["daily_rescore"].decided_on is None

    enqueue_due(demo_engine)
    after = {j.key: j for j in schedules.scheduled_jobs(demo_engine, today())}
    assert all(j.decided_on == today() for j in after.values())
    assert {d.workspace for d in after["daily_rescore"].decisions} == {"EMEA Sales", "Americas Sales"}


def test_next_daily_pass() -> None:
    assert schedules.next_daily_run(dt.datetime(2025, 5, 1, 0, 4)) == dt.datetime(2025, 5, 1, 0, 5)
    assert schedules.next_daily_run(dt.datetime(2025, 5, 1, 0, 5)) == dt.datetime(2025, 5, 2, 0, 5)
