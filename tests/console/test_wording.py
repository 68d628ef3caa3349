"""How the console words what it shows: durations an admin can read at a glance, and a
run's end named for what happened to it."""

from __future__ import annotations

import datetime as dt

import pytest

from app.engine.records import RunRecord
from app.engine.status import RunStatus
from ui import format as fmt


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (45, "45s"), (187, "3m 07s"), (7509, "2h 05m 09s"),
    (86399, "23h 59m 59s"), (86400, "1d 0h 00m"), (760_425, "8d 19h 13m"),
])
def test_durations_read_in_the_largest_units_that_matter(seconds: int, text: str) -> None:
    assert fmt.duration(seconds) == text
    assert fmt.duration(dt.timedelta(seconds=seconds)) == text


def _run(status: RunStatus) -> RunRecord:
    fields = {name: None for name in RunRecord.__dataclass_fields__}
    queued = dt.datetime(2026, 5, 1, 8, 0, 0)
    fields.update(id=7, type="import", status=status, total=250, processed=246, created=197, updated=49,
                  skipped=0, failed=0, errors_count=0, queued_at=queued, started_at=queued + dt.timedelta(seconds=5),
                  finished_at=queued + dt.timedelta(seconds=65), run_date=queued.date(), params={})
    return RunRecord(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "word"), [
    (RunStatus.COMPLETED, "completed"), (RunStatus.WARNING, "finished"),
    (RunStatus.FAILED, "failed"), (RunStatus.STOPPED, "cancelled"),
])
def test_the_summary_names_how_a_run_ended(qtbot, status: RunStatus, word: str) -> None:
    from ui.detail.summary import SummaryTab

    tab = SummaryTab()
    qtbot.addWidget(tab)
    tab.show_run(_run(status))
    times = tab.times.text()
    assert f"· {word} 2026-05-01" in times and "duration 1m 00s" in times
    if status is not RunStatus.COMPLETED:
        assert "completed" not in times  # a failed or cancelled run did not complete


def test_the_summary_lists_a_runs_files_and_says_when_an_export_kept_none(qtbot) -> None:
    from dataclasses import replace

    from ui.detail.summary import SummaryTab

    tab = SummaryTab()
    qtbot.addWidget(tab)
    export = replace(_run(RunStatus.COMPLETED), type="export", processed=9077)
    tab.show_files(export, [{"id": 1, "kind": "export", "name": "leads-run401.xlsx", "size": 802_157,
                             "expires_at": "2026-11-30T22:33:34"}])
    assert tab.files.text() == "Export file: leads-run401.xlsx · Excel · 9,077 records · 783 KB · kept until 2026-11-30"
    tab.show_files(export, [])  # Download is disabled: the summary says why
    assert tab.files.text().startswith("Export file: none kept")
    imported = _run(RunStatus.WARNING)
    tab.show_files(imported, [{"id": 2, "kind": "source", "name": "in.csv", "size": 79, "expires_at": None},
                              {"id": 3, "kind": "failed_records", "name": "in-failed-records.csv", "size": 219,
                               "expires_at": "2026-12-23T22:33:35"}])
    assert tab.files.text() == "Failed records: in-failed-records.csv · CSV · 219 bytes · kept until 2026-12-23"
    tab.show_files(_run(RunStatus.COMPLETED), [])
    assert tab.files.isHidden()


@pytest.mark.parametrize(("seconds", "text"), [(0.2, "less than a second left"), (0.6, "about 1s left"),
                                               (125, "about 2m 05s left"), (None, "")])
def test_the_time_left_never_reads_zero(seconds: float | None, text: str) -> None:
    assert fmt.eta(seconds) == text
