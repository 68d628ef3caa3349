"""The run detail's live charts keep one time line: samples from the run's row (stamped by
the worker that runs it) and from the in-process snapshot fall on the same axis, so the
throughput curve has no spike where the first kind hands over to the second."""

from __future__ import annotations

import datetime as dt
import gc

from app.clock import utcnow
from app.engine.context import ProgressSnapshot
from app.engine.records import RunRecord
from app.engine.status import RunStatus
from ui.detail.charts import throughput

PACE = 1000  # rows a second, the pace every sample below was taken at


def running(started: dt.datetime, seconds: float) -> RunRecord:
    """The row of a run `seconds` after its start, as its last flush wrote it."""
    fields: dict[str, object] = {name: None for name in RunRecord.__dataclass_fields__}
    processed = int(PACE * seconds)
    fields.update(id=7, type="import", module="leads", run_date=started.date(), params={}, status=RunStatus.STARTED,
                  total=100_000, processed=processed, created=processed, updated=0, skipped=0, failed=0,
                  errors_count=0, queued_at=started, started_at=started,
                  updated_at=started + dt.timedelta(seconds=seconds), cancel_requested=False, attempts=1,
                  archived=False)
    return RunRecord(**fields)  # type: ignore[arg-type]


def snapshot(seconds: float) -> ProgressSnapshot:
    processed = int(PACE * seconds)
    return ProgressSnapshot(run_id=7, total=100_000, processed=processed, created=processed, updated=0, skipped=0,
                            failed=0, errors_count=0, elapsed=seconds, cancel_requested=False)


def summary_tab(qtbot):  # type: ignore[no-untyped-def]
    from ui.detail.summary import SummaryTab

    tab = SummaryTab()
    qtbot.addWidget(tab)
    tab.resize(900, 600)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def assert_steady(tab) -> None:  # type: ignore[no-untyped-def]
    charts = tab.charts
    assert charts.samples and charts.samples[0][0] >= 0.0, charts.samples
    _, rates = throughput(charts.samples)  # what the chart draws (on its own timers)
    assert len(rates) == len(charts.samples) >= 3
    assert all(PACE / 2 <= rate <= PACE * 2 for rate in rates), rates  # a steady pace draws a flat line
    tab.close()
    gc.collect()


def test_a_run_watched_from_its_start_has_no_spike_at_its_first_sample(qtbot) -> None:
    tab = summary_tab(qtbot)
    started = utcnow() - dt.timedelta(seconds=0.3)  # the detail was read 0.3 s after the claim
    tab.show_run(running(started, 0.0))
    for seconds in (0.4, 0.6, 0.8, 1.0):
        tab.show_run(running(started, 0.0), snapshot(seconds))
    assert_steady(tab)


def test_a_run_opened_mid_way_starts_its_curve_at_the_runs_pace(qtbot) -> None:
    tab = summary_tab(qtbot)
    started = utcnow() - dt.timedelta(seconds=5.4)  # opened 0.4 s after the row's last flush
    tab.show_run(running(started, 5.0))
    for seconds in (5.6, 5.8, 6.0):
        tab.show_run(running(started, 5.0), snapshot(seconds))
    assert tab.charts.samples[0] == (0.0, dict.fromkeys(tab.charts.samples[0][1], 0))  # from zero, as if watched
    assert [t for t, _ in tab.charts.samples[1:]] == [5.0, 5.6, 5.8, 6.0]
    # it ends where the run did, not at the last sample before
    ended = RunRecord(**{**running(started, 7.0).__dict__, "status": RunStatus.COMPLETED,
                         "finished_at": started + dt.timedelta(seconds=7.0)})
    tab.show_run(ended)
    assert tab.charts.samples[-1] == (7.0, {"processed": 7000, "created": 7000, "updated": 0, "skipped": 0,
                                            "failed": 0})
    assert tab.charts.count_curves["processed"].getData()[0][-1] == 7.0  # drawn at once
    assert_steady(tab)


def test_a_resumed_run_is_not_drawn_from_zero(qtbot) -> None:
    """A second attempt starts from its checkpoint's counters: a line from zero would be a spike."""
    tab = summary_tab(qtbot)
    started = utcnow() - dt.timedelta(seconds=1.2)
    resumed = RunRecord(**{**running(started, 1.0).__dict__, "processed": 50_000, "created": 50_000, "attempts": 2})
    tab.show_run(resumed)
    assert [t for t, _ in tab.charts.samples] == [1.0]
    tab.close()


def test_a_run_on_another_workstation_is_timed_by_that_workstations_stamps(qtbot) -> None:
    tab = summary_tab(qtbot)
    # the worker's clock runs 90 s ahead of this console's; only its own stamps are compared
    started = utcnow() + dt.timedelta(seconds=88)
    for seconds in (2.0, 2.5, 3.0, 3.5):
        tab.show_run(running(started, seconds))
    assert [round(t, 3) for t, _ in tab.charts.samples] == [0.0, 2.0, 2.5, 3.0, 3.5]  # from the run's start
    assert_steady(tab)


def test_a_sample_stamped_late_by_another_clock_gives_way_to_the_next_flush(qtbot) -> None:
    """A cancel requested from a console whose clock runs ahead stamps the row later than the
    worker's next flush: that sample is dropped, not squeezed into a millisecond."""
    tab = summary_tab(qtbot)
    started = utcnow() - dt.timedelta(seconds=3)
    tab.show_run(running(started, 1.0))
    tab.show_run(running(started, 1.5))
    late = running(started, 1.5)
    tab.show_run(RunRecord(**{**late.__dict__, "updated_at": started + dt.timedelta(seconds=2.7)}))
    tab.show_run(running(started, 2.0))
    tab.show_run(running(started, 2.5))
    assert [round(t, 3) for t, _ in tab.charts.samples] == [0.0, 1.0, 1.5, 2.0, 2.5]
    assert_steady(tab)


def test_a_job_that_counts_in_batches_draws_its_pace_not_its_batches() -> None:
    """A job counting 40,000 rows every 0.4 s, sampled every 0.2 s: 100,000 rows/s throughout
    (rates between neighbouring samples alone read 0, 200,000, 0, 200,000)."""
    samples = [(0.2 * i, {"processed": 40_000 * (i // 2)}) for i in range(30)]
    xs, rates = throughput(samples)  # type: ignore[arg-type]
    assert xs == [t for t, _ in samples]  # the curve starts where the counters do
    assert all(50_000 <= rate <= 150_000 for x, rate in zip(xs, rates, strict=True) if x >= 1.0), rates


def test_chart_axes_write_counts_as_the_counters_do(qtbot) -> None:
    tab = summary_tab(qtbot)
    axis = tab.charts.count_plot.getPlotItem().getAxis("left")
    assert axis.tickStrings([0.0, 150_000.0, 350_000.0], 1.0, 50_000.0) == ["0", "150,000", "350,000"]
    assert axis.tickStrings([0.0, 0.5], 1.0, 0.5) == ["0", "0.5"]  # a slow rate keeps its decimals
    tab.close()


def test_a_queued_runs_charts_say_so_instead_of_drawing_an_empty_grid(qtbot) -> None:
    tab = summary_tab(qtbot)
    queued = RunRecord(**{**running(utcnow(), 0.0).__dict__, "status": RunStatus.PENDING, "started_at": None})
    tab.show_run(queued)
    notes = tab.charts.notes
    assert all(n.isVisible() and n.textItem.toPlainText() == "Drawn once a worker starts the run" for n in notes)
    axis = tab.charts.count_plot.getPlotItem().getAxis("left")
    assert not axis.style["showValues"]  # no 0 to 0.9 beside an empty grid
    started = utcnow() - dt.timedelta(seconds=1)
    tab.show_run(running(started, 0.0))
    tab.show_run(running(started, 0.5))
    assert not any(n.isVisible() for n in notes) and axis.style["showValues"]
    tab.close()
