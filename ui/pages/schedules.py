"""Schedules: each scheduled job, when the daily pass runs next, its last result, the
workspaces the scheduler skipped today and why, and a Run now button."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.api import schedules
from app.api.schedules import ScheduledJob
from app.clock import today
from ui import format as fmt
from ui.card import Card, muted, say
from ui.console import Console
from ui.pages import PageSpec
from ui.theme import status_color
from ui.thread_task import while_alive

REFRESH_MS = 30000


def chip(status: str, text: str) -> QLabel:
    label = QLabel(text)
    height = label.fontMetrics().height() + 6
    label.setFixedHeight(height)
    label.setStyleSheet(f"background: {status_color(status).name()}; color: white; border-radius: {height // 2}px;"
                        "padding: 0 10px; font-weight: 600;")
    return label


def until(moment: dt.datetime, now: dt.datetime) -> str:
    minutes = max(0, int((moment - now).total_seconds() // 60))
    return f"in {minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"in {minutes} min"


class ScheduleCard(Card):
    def __init__(self, job: ScheduledJob, next_run: dt.datetime, console: Console) -> None:
        super().__init__(job.title, job.description)
        self.job = job
        self.console = console
        self.setObjectName("Card")
        facts = QGridLayout()
        facts.setHorizontalSpacing(14)
        facts.setVerticalSpacing(6)
        facts.setColumnStretch(1, 1)
        now = dt.datetime.now()
        facts.addWidget(muted("Next run", wrap=False), 0, 0, Qt.AlignmentFlag.AlignTop)
        facts.addWidget(QLabel(f"{next_run:%Y-%m-%d %H:%M} ({until(next_run, now)})"), 0, 1)
        facts.addWidget(muted("Last result", wrap=False), 1, 0, Qt.AlignmentFlag.AlignVCenter)
        facts.addLayout(self._last_result(), 1, 1)
        decided = job.decided_on
        facts.addWidget(muted("Today" if decided in (None, today()) else f"Last pass\n{decided}", wrap=False),
                        2, 0, Qt.AlignmentFlag.AlignTop)
        self.today = QLabel(self._today_text())
        self.today.setObjectName("today")
        self.today.setWordWrap(True)
        self.today.setTextFormat(Qt.TextFormat.PlainText)
        facts.addWidget(self.today, 2, 1)
        self.body.addLayout(facts)
        self.body.addStretch(1)
        self.status = QLabel()
        self.run_button = QPushButton("Run now")
        self.run_button.setObjectName(f"run-{job.key}")
        self.run_button.setToolTip("Queue a run for every workspace today, even those the scheduler skipped")
        self.run_button.clicked.connect(self.run_now)
        opener = self._open_button()
        self.add_buttons(*([opener] if opener else []), self.run_button, status=self.status)
        say(self.status, "")

    def _last_result(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        last = self.job.last_run
        if last is None:
            row.addWidget(muted("never run", wrap=False))
            row.addStretch(1)
        else:
            row.addWidget(chip(last.status.value, last.status.label), 0, Qt.AlignmentFlag.AlignTop)
            moment = fmt.local_time(last.finished_at or last.queued_at, seconds=False)
            details = QLabel(f"{moment} · run date {last.run_date.isoformat()} · by {last.initiated_by or '—'}")
            details.setWordWrap(True)
            row.addWidget(details, 1)
        return row

    def _open_button(self) -> QPushButton | None:
        """Open the last run in Batch Jobs (beside Run now, leaving the facts their width)."""
        last = self.job.last_run
        if last is None:
            return None
        show = QPushButton(f"Open #{last.id}")
        show.setObjectName(f"open-{self.job.key}")
        show.setToolTip("Show this run in Batch Jobs")
        show.clicked.connect(lambda: self.console.open_run(last.id))
        return show

    def _today_text(self) -> str:
        if not self.job.decisions:
            return "No decision yet (the scheduler decides at its next pass)."
        lines = [f"✔ {d.workspace}: enqueued (#{d.run_id}) — {d.reason}" if d.run_id else
                 f"✔ {d.workspace}: enqueued — {d.reason}" for d in self.job.enqueued]
        lines += [f"○ {d.workspace}: skipped — {d.reason}" for d in self.job.skipped]
        return "\n".join(lines)

    def run_now(self) -> None:
        """Queue it on the query thread (the GUI thread never waits on the database)."""
        engine, key = self.console.engine, self.job.key
        self.run_button.setEnabled(False)
        say(self.status, "Queuing…")
        self.console.background.submit(lambda: schedules.run_now(engine, key, today()),
                                       while_alive(self, self._queued), while_alive(self, self._not_queued))

    def _queued(self, run_id: int) -> None:
        self.run_button.setEnabled(True)
        say(self.status, f"Queued run #{run_id}", True)
        self.console.message.emit(f"Queued {self.job.title} as run #{run_id}")
        self.console.runs_changed.emit([run_id])  # last: the page redraws its cards on it

    def _not_queued(self, exc: Exception) -> None:
        self.run_button.setEnabled(True)
        say(self.status, f"✖ Not queued: {exc}", False)


class SchedulesPage(QScrollArea):
    def __init__(self, console: Console, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.cards: dict[str, ScheduleCard] = {}
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.layout_ = QVBoxLayout(inner)
        self.layout_.setContentsMargins(18, 14, 18, 14)
        self.layout_.setSpacing(12)
        title = QLabel("Schedules")
        title.setObjectName("PaneTitle")
        self.header = muted()
        self.layout_.addWidget(title)
        self.layout_.addWidget(self.header)
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.empty = muted("No scheduled job types are installed.")
        self.empty.hide()
        self.grid.addWidget(self.empty, 0, 0)
        self.layout_.addLayout(self.grid)
        self.layout_.addStretch(1)
        self.setWidget(inner)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(lambda: self.isVisible() and self.refresh())
        self.timer.start()
        console.runs_changed.connect(self._runs_changed)

    def next_run(self) -> tuple[dt.datetime, bool]:
        """From this console's scheduler when it runs; else the cron time every scheduler uses."""
        scheduler = self.console.workers.scheduler
        found = scheduler.next_run_time() if scheduler is not None else None
        if found is not None:
            return found.replace(tzinfo=None), True
        return schedules.next_daily_run(dt.datetime.now()), False

    def refresh(self) -> None:
        engine, day = self.console.engine, today()
        self.console.background.submit(lambda: schedules.scheduled_jobs(engine, day), self.show_jobs,
                                       key="schedules")

    def _runs_changed(self, _ids: list[int]) -> None:
        if self.isVisible():
            self.refresh()

    def show_jobs(self, jobs: list[ScheduledJob]) -> None:
        next_run, ours = self.next_run()
        self.header.setText(
            "The daily pass asks each scheduled job which workspaces need it and skips the rest. "
            + (f"This console runs the scheduler: next pass {next_run:%Y-%m-%d %H:%M}." if ours else
               f"This console’s scheduler is off: a running worker or another console makes the next pass, "
               f"at {next_run:%Y-%m-%d %H:%M}."))
        for card in self.cards.values():
            card.setParent(None)
            card.deleteLater()
        self.cards = {job.key: ScheduleCard(job, next_run, self.console) for job in jobs}
        for index, card in enumerate(self.cards.values()):
            self.grid.addWidget(card, index // 2 + 1, index % 2)
        self.empty.setVisible(not jobs)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.refresh()

    def retheme(self) -> None:
        """Status chips are coloured in code: draw the cards again."""
        self.refresh()


PAGE = PageSpec(key="schedules", title="Schedules", icon="schedules", factory=SchedulesPage, order=30)
