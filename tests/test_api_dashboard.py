"""Dashboard aggregates: bucketed in SQL the same way on both backends, failure rate per
bucket, live throughput from progress deltas."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, update

from app.api import dashboard
from app.db import tables
from app.engine.runs import enqueue

NOW = dt.datetime(2025, 3, 10, 12, 30)


def place(engine: Engine, run_id: int, queued_at: dt.datetime, status: str, processed: int = 0) -> None:
    with engine.begin() as conn:
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id)
                     .values(queued_at=queued_at, status=status, processed=processed))


def test_runs_are_bucketed_by_hour_and_status(engine: Engine) -> None:
    layout = [(NOW - dt.timedelta(minutes=10), "completed", 100), (NOW - dt.timedelta(minutes=20), "failed", 5),
              (NOW - dt.timedelta(hours=2, minutes=5), "completed", 40), (NOW - dt.timedelta(hours=2), "warning", 60),
              (NOW - dt.timedelta(hours=30), "failed", 0)]  # outside the last 24 hours
    for queued_at, status, processed in layout:
        place(engine, enqueue(engine, "rebuild_search_index", {}), queued_at, status, processed)
    data = dashboard.buckets(engine, dashboard.PERIODS["24h"], NOW)
    assert len(data.starts) == 25 and data.starts[-1] == int(dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC).timestamp())
    assert data.counts["completed"][-1] == 1 and data.counts["failed"][-1] == 1
    ten_thirty = data.starts.index(int(dt.datetime(2025, 3, 10, 10, tzinfo=dt.UTC).timestamp()))
    assert data.counts["completed"][ten_thirty] == 1 and data.counts["warning"][ten_thirty] == 1
    assert sum(data.total(i) for i in range(len(data.starts))) == 4
    rates = data.failure_rate()
    assert rates[-1] == 50.0 and rates[ten_thirty] == 0.0 and rates[0] is None
    assert data.rows[-1] == 105 and data.rows_per_second()[-1] == 105 / 3600

    overview = dashboard.overview(engine, "24h", NOW)
    assert overview.summary.runs == 4 and overview.summary.failure_rate == 25.0
    assert overview.summary.rows == 205 and overview.summary.running == 0


def test_live_throughput_comes_from_progress_between_samples(engine: Engine) -> None:
    run_id = enqueue(engine, "rebuild_search_index", {})
    place(engine, run_id, NOW, "started", 1000)
    tracker = dashboard.ThroughputTracker()
    assert tracker.update(100.0, dashboard.running_runs(engine)) == {}
    place(engine, run_id, NOW, "started", 1600)
    assert tracker.update(102.0, dashboard.running_runs(engine)) == {run_id: (f"#{run_id} rebuild_search_index", 300.0)}
    place(engine, run_id, NOW, "completed", 2000)
    assert tracker.update(104.0, dashboard.running_runs(engine)) == {}
