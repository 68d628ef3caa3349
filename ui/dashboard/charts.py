"""pyqtgraph charts in the console's palette: runs per bucket stacked by status, failure
rate, and the live rows per second of running jobs."""

from __future__ import annotations

import math
import time
from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from app.api.dashboard import Buckets
from app.engine.status import RunStatus
from ui.axes import CountAxis
from ui.theme import status_color

STACK_ORDER = [RunStatus.COMPLETED, RunStatus.WARNING, RunStatus.FAILED, RunStatus.STOPPED,
               RunStatus.STARTED, RunStatus.PENDING]
LINE_COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777"]
LIVE_WINDOW_S = 300


def _palette(role: QPalette.ColorRole) -> QColor:
    return QApplication.palette().color(role)


class Chart(pg.PlotWidget):
    """A quiet plot: palette colours, a title, light grid, no mouse zoom (it is a display)."""

    def __init__(self, title: str, y_label: str, *, time_axis: bool = True, legend_columns: int = 1,
                 parent: QWidget | None = None) -> None:
        axes: dict[str, pg.AxisItem] = {"left": CountAxis("left")}
        if time_axis:
            axes["bottom"] = pg.DateAxisItem(orientation="bottom")
        super().__init__(parent=parent, axisItems=axes)
        self.y_label = y_label
        item = self.getPlotItem()
        item.setTitle(title, size="11pt")
        item.showGrid(x=False, y=True, alpha=0.18)
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.setMinimumHeight(220)
        self.legend = item.addLegend(offset=(10, 4), colCount=legend_columns)
        self._colour_frame()

    def _colour_frame(self) -> None:
        text = _palette(QPalette.ColorRole.WindowText)
        self.setBackground(_palette(QPalette.ColorRole.Base))
        item = self.getPlotItem()
        item.setTitle(item.titleLabel.text, color=text.name())
        item.setLabel("left", self.y_label, color=text.name())
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(_palette(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
        self.legend.setLabelTextColor(text)
        self.legend.setBrush(pg.mkBrush(_palette(QPalette.ColorRole.Base)))
        for _sample, label in self.legend.items:
            label.setText(label.text, color=text)

    def retheme(self) -> None:
        """Colours from the palette in use (called again when the system scheme changes)."""
        self._colour_frame()


class StatusBars(Chart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Runs by status", "runs", legend_columns=len(STACK_ORDER), parent=parent)
        self.series: dict[str, np.ndarray] = {}
        self.data: Buckets | None = None

    def retheme(self) -> None:
        super().retheme()
        if self.data is not None:
            self.show_buckets(self.data)

    def show_buckets(self, data: Buckets) -> None:
        self.data = data
        item = self.getPlotItem()
        item.clear()
        self.legend.clear()
        item.setTitle(f"Runs per {data.period.bucket_title}, by status")
        size = data.period.bucket_seconds
        x = np.array(data.starts, dtype=float) + size / 2
        base = np.zeros(len(x))
        for status in STACK_ORDER:
            heights = np.array(data.counts[status.value], dtype=float)
            self.series[status.value] = heights
            if not heights.any():
                continue
            bars = pg.BarGraphItem(x=x, height=heights, y0=base.copy(), width=size * 0.8,
                                   brush=pg.mkBrush(status_color(status.value)), pen=pg.mkPen(None))
            item.addItem(bars)
            self.legend.addItem(bars, status.label)
            base += heights
        if len(x):
            item.setXRange(data.starts[0], data.starts[-1] + size, padding=0.01)
        item.setYRange(0, max(1.0, float(base.max()) if len(base) else 1.0) * 1.3, padding=0)


class FailureRate(Chart):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Failure rate", "% of ended runs", parent=parent)
        self.curve = self.plot([], [], symbol="o", symbolSize=5, connect="finite", name="failed")
        self.legend.clear()
        self.values: list[float | None] = []
        self._colour_curve()

    def _colour_curve(self) -> None:
        failed = status_color("failed")
        self.curve.setPen(pg.mkPen(failed, width=2))
        self.curve.setSymbolBrush(failed)
        self.curve.setSymbolPen(failed)

    def retheme(self) -> None:
        super().retheme()
        self._colour_curve()

    def show_buckets(self, data: Buckets) -> None:
        self.values = data.failure_rate()
        size = data.period.bucket_seconds
        x = np.array(data.starts, dtype=float) + size / 2
        y = np.array([math.nan if v is None else v for v in self.values], dtype=float)
        self.curve.setData(x, y, connect="finite")
        item = self.getPlotItem()
        item.setTitle(f"Failure rate per {data.period.bucket_title}")
        if len(x):
            item.setXRange(data.starts[0], data.starts[-1] + size, padding=0.01)
        # a little room past 0 and 100, so both get their tick label (a 100% point sat on the edge, unlabelled)
        item.setYRange(-4, 106, padding=0)
        item.getAxis("left").setTicks([[(v, str(v)) for v in range(0, 101, 25)]])


class LiveThroughput(Chart):
    """Rows per second of each running job and of all of them, over the last minutes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Rows per second — running jobs", "rows/s", parent=parent)
        self.total: deque[tuple[float, float]] = deque()
        self.per_run: dict[int, deque[tuple[float, float]]] = {}
        self.labels: dict[int, str] = {}
        self.total_curve = self.plot([], [], name="all jobs")
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.idle = pg.TextItem("No job is moving rows right now", anchor=(0.5, 0.5))
        self.addItem(self.idle)
        self._colour_lines()
        self._draw()

    def _colour_lines(self) -> None:
        self.total_curve.setPen(pg.mkPen(_palette(QPalette.ColorRole.WindowText), width=2))
        self.idle.setColor(_palette(QPalette.ColorRole.PlaceholderText))

    def retheme(self) -> None:
        super().retheme()
        self._colour_lines()

    def add_sample(self, at: float, rates: dict[int, tuple[str, float]]) -> None:
        cutoff = at - LIVE_WINDOW_S
        self.total.append((at, sum(rate for _label, rate in rates.values())))
        for run_id, (label, rate) in rates.items():
            self.per_run.setdefault(run_id, deque()).append((at, rate))
            self.labels[run_id] = label
        for points in (self.total, *self.per_run.values()):
            while points and points[0][0] < cutoff:
                points.popleft()
        for run_id in [r for r, points in self.per_run.items() if not points]:
            del self.per_run[run_id]
            curve = self.curves.pop(run_id, None)
            if curve is not None:
                self.getPlotItem().removeItem(curve)
                self.legend.removeItem(curve)
        self._draw()

    def _draw(self) -> None:
        xs, ys = zip(*self.total, strict=True) if self.total else ((), ())
        self.total_curve.setData(list(xs), list(ys))
        for index, (run_id, points) in enumerate(sorted(self.per_run.items())):
            curve = self.curves.get(run_id)
            if curve is None:
                color = LINE_COLORS[index % len(LINE_COLORS)]
                curve = self.plot([], [], pen=pg.mkPen(color, width=1.5), name=self.labels[run_id])
                self.curves[run_id] = curve
            px, py = zip(*points, strict=True)
            curve.setData(list(px), list(py))
        now = time.time()
        self.getPlotItem().setXRange(now - LIVE_WINDOW_S, now, padding=0)
        top = max((y for _x, y in self.total), default=0.0)
        ceiling = max(10.0, top * 1.2)
        self.getPlotItem().setYRange(0, ceiling, padding=0)
        self.idle.setPos(now - LIVE_WINDOW_S / 2, ceiling / 2)
        self.idle.setVisible(not self.total or self.total[-1][1] == 0)
