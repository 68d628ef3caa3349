"""Dashboard and Schedules on the demo data: they draw what the database holds, switch
period, and Run now queues a real run."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from sqlalchemy import Engine, delete, func, select

from app.clock import today, utcnow
from app.db import tables
from app.engine.runs import get_run
from app.engine.scheduler import enqueue_due


def runs_since(engine: Engine, since: dt.datetime) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.job_runs)
                                .where(tables.job_runs.c.queued_at >= since)).scalar_one())


def test_dashboard_draws_the_history_and_switches_period(qtbot, make_window, console_engine: Engine) -> None:
    window = make_window()
    page = window.show_page("dashboard")
    qtbot.waitUntil(lambda: page.overview is not None, timeout=10000)
    overview = page.overview
    assert overview.buckets.period.key == "7d"
    expected = runs_since(console_engine, overview.at - dt.timedelta(days=7))
    assert expected > 0
    assert overview.summary.runs == expected
    assert page.tiles["runs"].value.text() == f"{expected:,}"
    assert sum(series.sum() for series in page.bars.series.values()) == expected
    assert len(page.failures.values) == len(overview.buckets.starts)

    page.period.setFocus()
    qtbot.keyClick(page.period, Qt.Key.Key_Down)  # last 30 days
    qtbot.waitUntil(lambda: page.overview.buckets.period.key == "30d", timeout=10000)
    month = runs_since(console_engine, page.overview.at - dt.timedelta(days=30))
    assert page.overview.summary.runs == month >= expected
    assert "Runs per day" in page.bars.getPlotItem().titleLabel.text


def test_schedules_show_decisions_last_result_and_run_now(qtbot, make_window, console_home,
                                                          console_engine: Engine) -> None:
    # The demo's latest scheduler runs fall on today or yesterday depending on the time of day,
    # and today's decision is recorded once: start from an undecided today, as a new day does.
    with console_engine.begin() as conn:
        conn.execute(delete(tables.schedule_decisions).where(tables.schedule_decisions.c.run_date == today()))
    enqueue_due(console_engine)  # today's decisions: retention has nothing to do in fresh demo data
    window = make_window()
    page = window.show_page("schedules")
    qtbot.waitUntil(lambda: "retention_cleanup" in page.cards, timeout=10000)
    card = page.cards["retention_cleanup"]
    assert "All workspaces: skipped — nothing past retention" in card.today.text()
    assert card.job.last_run is not None  # the demo history has scheduler runs
    assert "next pass" in page.header.text()

    before = utcnow()
    with qtbot.waitSignal(window.console.runs_changed):
        qtbot.mouseClick(card.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.cards["retention_cleanup"].job.last_run.queued_at >= before, timeout=10000)
    last = page.cards["retention_cleanup"].job.last_run
    run = get_run(console_engine, last.id)
    assert (run.type, run.workspace_id, run.run_date, run.initiated_by) == ("retention_cleanup", None, today(), "tester")
