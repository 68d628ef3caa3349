"""Live charts of one run: throughput (rows/s) and counters over time, from samples taken
while the run is watched (the in-process snapshot, or the row as other workers write it)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.engine.records import RunRecord
from ui.theme import status_color

COUNTER_SERIES = (("processed", "started"), ("created", "completed"), ("updated", "pending"),
                  ("skipped", "warning"), ("failed", "failed"))
MAX_SAMPLES = 2000


class RunCharts(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._dirty = False
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self.rate_plot = pg.PlotWidget(background=background)
        self.count_plot = pg.PlotWidget(background=background)
        self.rate_plot.setObjectName("chart-throughput")
        self.count_plot.setObjectName("chart-counters")
        for plot, title, unit in ((self.rate_plot, "Throughput", "rows/s"), (self.count_plot, "Counters", "rows")):
            item = plot.getPlotItem()
            item.setTitle(title, color=foreground.name(), size="10pt")
            item.showGrid(x=True, y=True, alpha=0.15)
            item.setLabel("bottom", "seconds", color=foreground.name())
            item.setLabel("left", unit, color=foreground.name())
            item.setMouseEnabled(x=False, y=False)
            item.hideButtons()
            for axis in ("left", "bottom"):
                item.getAxis(axis).setTextPen(foreground)
                item.getAxis(axis).setPen(foreground)
            plot.setMinimumHeight(120)
        self.rate_curve = self.rate_plot.plot(pen=pg.mkPen(status_color("started"), width=2),
                                              fillLevel=0, brush=pg.mkBrush(status_color("started").lighter(170)))
        # The legend is a label above the plot: an overlay legend would hide the curves.
        self.legend = QLabel("&nbsp;&nbsp;".join(
            f'<span style="color:{status_color(color).name()}">&#9632;</span>&nbsp;{name.title()}'
            for name, color in COUNTER_SERIES))
        self.legend.setObjectName("chart-legend")
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count_curves = {
            name: self.count_plot.plot(pen=pg.mkPen(status_color(color), width=2), name=name.title())
            for name, color in COUNTER_SERIES
        }
        counters = QVBoxLayout()
        counters.setSpacing(0)
        counters.addWidget(self.count_plot, 1)
        counters.addWidget(self.legend)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rate_plot)
        layout.addLayout(counters)

    def reset(self) -> None:
        self.samples.clear()
        self._redraw()

    def add_sample(self, elapsed: float, counters: dict[str, int]) -> None:
        if self.samples and elapsed <= self.samples[-1][0]:
            if counters == self.samples[-1][1]:
                return
            elapsed = self.samples[-1][0] + 1e-3
        self.samples.append((elapsed, counters))
        del self.samples[:-MAX_SAMPLES]
        self._redraw()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self._redraw()

    def show_finished(self, run: RunRecord) -> None:
        """A run not watched live: the straight line from start to end (its average rate)."""
        if self.samples or run.duration is None:
            return
        seconds = max(run.duration.total_seconds(), 0.001)
        zero = {name: 0 for name, _ in COUNTER_SERIES}
        final = {name: int(getattr(run, name)) for name, _ in COUNTER_SERIES}
        self.samples = [(0.0, zero), (seconds, final)]
        self._redraw()

    def _redraw(self) -> None:
        """Draw now when on screen; a hidden chart only remembers to (the GUI thread's time
        goes to what people see)."""
        self._dirty = not self.isVisible()
        if self._dirty:
            return
        xs = [t for t, _ in self.samples]
        for name, curve in self.count_curves.items():
            curve.setData(xs, [c[name] for _, c in self.samples])
        rates_x: list[float] = []
        rates: list[float] = []
        for (t0, c0), (t1, c1) in zip(self.samples, self.samples[1:], strict=False):
            if t1 > t0:
                rates_x.append(t1)
                rates.append((c1["processed"] - c0["processed"]) / (t1 - t0))
        if len(rates) == 1:
            rates_x.insert(0, self.samples[0][0])
            rates.insert(0, rates[0])
        self.rate_curve.setData(rates_x, rates)

    def rates(self) -> list[float]:
        return list(self.rate_curve.getData()[1] if self.rate_curve.getData()[1] is not None else [])
