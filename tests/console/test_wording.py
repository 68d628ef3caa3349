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
