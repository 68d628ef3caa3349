"""Dashboard: live charts across all runs over a chosen period — runs per bucket by status,
failure rate, and rows per second of the jobs running now (on any workstation).

Queries run on the console's background thread; a timer refreshes while the page is shown.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.api import dashboard
from app.api.dashboard import Overview
from ui.card import CounterTile, muted
from ui.console import Console
from ui.dashboard.charts import FailureRate, LiveThroughput, StatusBars
from ui.pages import PageSpec

REFRESH_MS = 15000
SAMPLE_MS = 2000
DEFAULT_PERIOD = "7d"


class DashboardPage(QWidget):
    def __init__(self, console: Console, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.overview: Overview | None = None
        self.tracker = dashboard.ThroughputTracker()
        self.period = QComboBox()
        self.period.setObjectName("period")
        for period in dashboard.PERIODS.values():
            self.period.addItem(period.title, period.key)
        self.period.setCurrentIndex(self.period.findData(DEFAULT_PERIOD))
        self.period.currentIndexChanged.connect(self.refresh)
        self.updated = muted(wrap=False)
        title = QLabel("Dashboard")
        title.setObjectName("PaneTitle")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.updated)
        top.addSpacing(12)
        top.addWidget(QLabel("Period:"))
        top.addWidget(self.period)

        self.tiles = {key: CounterTile(name) for key, name in (
            ("runs", "Runs in period"), ("failed", "Failed"), ("failure_rate", "Failure rate"),
            ("rows", "Rows processed"), ("running", "Running now"), ("queued", "Queued now"))}
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)

        self.bars = StatusBars()
        self.failures = FailureRate()
        self.live = LiveThroughput()
        grid = QGridLayout()
        grid.setSpacing(10)
        grid.addWidget(self.bars, 0, 0, 1, 2)
        grid.addWidget(self.failures, 1, 0)
        grid.addWidget(self.live, 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addLayout(tiles)
        layout.addLayout(grid, 1)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self._tick)
        self.sample_timer = QTimer(self)
        self.sample_timer.setInterval(SAMPLE_MS)
        self.sample_timer.timeout.connect(self._sample)
        self.refresh_timer.start()
        self.sample_timer.start()

    # ------------------------------------------------------------ data
    def period_key(self) -> str:
        return str(self.period.currentData())

    def refresh(self) -> None:
        key = self.period_key()
        engine = self.console.engine
        self.console.background.submit(lambda: dashboard.overview(engine, key), self.show_overview,
                                       self._failed, key="dashboard-overview")

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh()

    def _sample(self) -> None:
        if not self.isVisible():
            return
        engine = self.console.engine
        self.console.background.submit(lambda: (time.time(), dashboard.running_runs(engine)), self._sampled,
                                       key="dashboard-sample")

    def _sampled(self, result: tuple[float, list[dashboard.RunningRun]]) -> None:
        at, running = result
        self.live.add_sample(at, self.tracker.update(at, running))
        self.tiles["running"].value.setText(f"{len(running):,}")

    def _failed(self, exc: Exception) -> None:
        self.updated.setText(f"Could not load: {exc}")

    def show_overview(self, overview: Overview) -> None:
        self.overview = overview
        summary = overview.summary
        rate = summary.failure_rate
        values = {"runs": f"{summary.runs:,}", "failed": f"{summary.by_status.get('failed', 0):,}",
                  "failure_rate": "–" if rate is None else f"{rate:.1f}%", "rows": f"{summary.rows:,}",
                  "running": f"{summary.running:,}", "queued": f"{summary.queued:,}"}
        for key, text in values.items():
            self.tiles[key].value.setText(text)
        self.bars.show_buckets(overview.buckets)
        self.failures.show_buckets(overview.buckets)
        self.updated.setText(f"Updated {time.strftime('%H:%M:%S')}")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.refresh()


PAGE = PageSpec(key="dashboard", title="Dashboard", icon="dashboard", factory=DashboardPage, order=20)
