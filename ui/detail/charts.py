"""Live charts of one run: throughput (rows/s) and counters over time, from samples taken
while the run is watched (the in-process snapshot, or the row as other workers write it)."""

from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import QApplication, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.engine.records import RunRecord
from ui.axes import CountAxis
from ui.theme import is_dark, status_color

COUNTER_SERIES = (("processed", "started"), ("created", "completed"), ("updated", "pending"),
                  ("skipped", "warning"), ("failed", "failed"))
MAX_SAMPLES = 2000
RATE_WINDOW_S = 1.0  # throughput is averaged over this long: about five live samples
NICE_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
MARGIN = 0.015  # below zero, so the axes' 0 labels are drawn
REDRAW_MS = 400  # a live chart redraws about this often: its samples keep coming at full rate
# a live chart draws this long after the sample that asked: half the console's sample period
# (ui/console.py, 5 Hz), midway between two repaints of the history table and summary that the
# samples update, so never in the same paint as them (timed from the sample, on a precise timer:
# timed from the last draw, the coarse timers' slack drifted it onto the samples)
OFFSET_MS = 100
SLACK_MS = 50  # a sample this much early still schedules the next draw
# and the throughput chart one sample period after the counters chart, at the next midway:
# both share the time axis, so when it steps both axes are laid out and repainted, the
# dearest paint of a live redraw
STAGGER_MS = 200


def nice_ceiling(value: float) -> float:
    """The next 1, 2, 5 × 10^k at or above value: axes that change in steps, not per sample
    (a changed axis is re-laid out and repainted, the dearest part of a chart's redraw)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    # steps of 20-25 %: few re-layouts while a run grows, and a finished run fills its chart
    return next(step * power for step in NICE_STEPS if step * power >= value)


def throughput(samples: list[tuple[float, dict[str, int]]]) -> tuple[list[float], list[float]]:
    """The throughput curve: rows/s over the last RATE_WINDOW_S seconds (or since the first
    sample), drawn at each sample, the first rate also at the first sample (so the curve starts
    where the counters do, and a single rate shows as a line). Jobs count a batch at a time: between two samples 0.2 s
    apart the count moved by a whole batch or not at all, and a steady import read 0, 200k, 0, 200k rows/s."""
    rates_x: list[float] = []
    rates: list[float] = []
    start = 0
    for t1, c1 in samples[1:]:
        while start + 1 < len(samples) and t1 - samples[start + 1][0] >= RATE_WINDOW_S:
            start += 1
        t0, c0 = samples[start]
        if t1 > t0:
            rates_x.append(t1)
            rates.append((c1["processed"] - c0["processed"]) / (t1 - t0))
    if rates:
        rates_x.insert(0, samples[0][0])
        rates.insert(0, rates[0])
    return rates_x, rates


class RunCharts(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._dirty = False
        self._drawn_at = 0.0
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setTimerType(Qt.TimerType.PreciseTimer)
        self._later.setInterval(OFFSET_MS)
        self._later.timeout.connect(lambda: self._redraw(stagger=True))
        self._rates_later = QTimer(self)
        self._rates_later.setSingleShot(True)
        self._rates_later.setTimerType(Qt.TimerType.PreciseTimer)
        self._rates_later.setInterval(STAGGER_MS)
        self._rates_later.timeout.connect(self._redraw_rates)
        self.rate_plot = pg.PlotWidget(axisItems={"left": CountAxis("left")})
        self.count_plot = pg.PlotWidget(axisItems={"left": CountAxis("left")})
        self.rate_plot.setObjectName("chart-throughput")
        self.count_plot.setObjectName("chart-counters")
        for plot in (self.rate_plot, self.count_plot):
            item = plot.getPlotItem()
            item.showGrid(x=True, y=True, alpha=0.15)
            item.setMouseEnabled(x=False, y=False)
            item.hideButtons()
            # plain seconds and rows: pyqtgraph would otherwise rescale a unit-less axis
            # to "seconds (x0.001)" for a run that took a moment
            for axis in ("left", "bottom"):
                item.getAxis(axis).enableAutoSIPrefix(False)
                # an axis draws the grid across the whole plot, so every new curve repainted
                # it: cached as a pixmap, it is redrawn only when its range steps (a live
                # redraw and paint: 9 ms -> 2 ms of GUI thread, p50)
                item.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                # ticks and grid lines of two levels, not three: the faint third grid (five
                # lines between two minor ones) made an axis step a third dearer to lay out and
                # draw (the live charts' dearest paint: 8-13 -> 5-8 ms of GUI thread, bench)
                item.getAxis(axis).setStyle(maxTickLevel=1)
            plot.setMinimumHeight(120)
            item.disableAutoRange()
            item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.rate_curve = self.rate_plot.plot(fillLevel=0)
        # what an empty chart says instead of a grid with axes from 0 to 0.9 (a queued run)
        self._note = ""
        self.notes = []
        for plot in (self.rate_plot, self.count_plot):
            note = pg.TextItem(anchor=(0.5, 0.5))
            note.setPos(0.5, 0.5)  # the middle of an empty chart's range
            plot.addItem(note)
            self.notes.append(note)
        # The legend is a label above the plot: an overlay legend would hide the curves.
        self.legend = QLabel()
        self.legend.setObjectName("chart-legend")
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count_curves = {name: self.count_plot.plot(name=name.title()) for name, _color in COUNTER_SERIES}
        counters = QVBoxLayout()
        counters.setSpacing(0)
        counters.addWidget(self.count_plot, 1)
        counters.addWidget(self.legend)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rate_plot)
        layout.addLayout(counters)
        self.retheme()

    def retheme(self) -> None:
        """Colours from the palette in use (called again when the system scheme changes)."""
        palette = QApplication.palette()
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        for plot, title, unit in ((self.rate_plot, "Throughput", "rows/s"), (self.count_plot, "Counters", "rows")):
            plot.setBackground(background)
            item = plot.getPlotItem()
            item.setTitle(title, color=foreground.name(), size="10pt")
            item.setLabel("bottom", "seconds", color=foreground.name())
            item.setLabel("left", unit, color=foreground.name())
            for axis in ("left", "bottom"):
                item.getAxis(axis).setTextPen(foreground)
                item.getAxis(axis).setPen(foreground)
        started = status_color("started")
        self.rate_curve.setPen(pg.mkPen(started, width=2))
        self.rate_curve.setBrush(pg.mkBrush(started.lighter(170) if not is_dark() else started.darker(250)))
        for name, color in COUNTER_SERIES:
            self.count_curves[name].setPen(pg.mkPen(status_color(color), width=2))
        for note in self.notes:
            note.setColor(palette.color(QPalette.ColorRole.PlaceholderText))
        self.legend.setText("&nbsp;&nbsp;".join(
            f'<span style="color:{status_color(color).name()}">&#9632;</span>&nbsp;{name.title()}'
            for name, color in COUNTER_SERIES))

    def reset(self) -> None:
        self.samples.clear()
        self._redraw()

    def set_note(self, text: str) -> None:
        """What the charts say while they have nothing to draw ("" for nothing)."""
        if text != self._note:
            self._note = text
            self._show_note()

    def _show_note(self) -> None:
        """The note, and the axes' numbers hidden, while there is no sample (an empty grid
        numbered 0 to 0.9 read as a run moving a fraction of a row a second)."""
        empty = not self.samples
        for plot, note in zip((self.rate_plot, self.count_plot), self.notes, strict=True):
            note.setText(self._note if empty else "")
            note.setVisible(empty and bool(self._note))
            for name in ("left", "bottom"):
                axis = plot.getPlotItem().getAxis(name)
                if axis.style["showValues"] == empty:
                    axis.setStyle(showValues=not empty)

    def add_sample(self, elapsed: float, counters: dict[str, int]) -> None:
        """One more point, seconds since the run started. A sample no later than the last
        one is the same (dropped) or says the last was stamped too late (a row written from
        another clock, such as a cancel from another console): the last gives way, since
        squeezing the new counts into a moment would draw a spike of throughput."""
        if self.samples and elapsed <= self.samples[-1][0] and counters == self.samples[-1][1]:
            return
        while self.samples and elapsed <= self.samples[-1][0]:
            self.samples.pop()
        self.samples.append((elapsed, counters))
        del self.samples[:-MAX_SAMPLES]
        self._schedule()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self._redraw()

    def show_finished(self, run: RunRecord) -> None:
        """A run not watched live: the straight line from start to end (its average rate). One
        watched: its samples end where the run did (its duration is on the samples' time line,
        the worker's started_at to finished_at), not at the last sample before the end."""
        if run.duration is None:
            return
        seconds = max(run.duration.total_seconds(), 0.001)
        final = {name: int(getattr(run, name)) for name, _ in COUNTER_SERIES}
        if self.samples:
            if seconds > self.samples[-1][0] and final != self.samples[-1][1]:
                self.add_sample(seconds, final)
                self._redraw()  # the last sample: no later one would bring its draw
            return
        zero = {name: 0 for name, _ in COUNTER_SERIES}
        self.samples = [(0.0, zero), (seconds, final)]
        self._redraw()

    def _schedule(self) -> None:
        """A live sample: draw OFFSET_MS after it, about every REDRAW_MS (every other sample
        at 5 Hz), so the GUI thread's longest stall is the dearest of the paints, not their sum
        (measured with bench/ui.py). The first samples draw at once."""
        if len(self.samples) <= 2:
            self._redraw()
        elif not self._later.isActive() and (time.monotonic() - self._drawn_at) * 1000 >= REDRAW_MS - OFFSET_MS - SLACK_MS:
            self._later.start()

    def _redraw(self, stagger: bool = False) -> None:
        """Draw now when on screen; a hidden chart only remembers to (the GUI thread's time
        goes to what people see). A live redraw (`stagger`) draws the throughput chart
        STAGGER_MS after the counters, in a paint of its own."""
        self._dirty = not self.isVisible()
        if self._dirty:
            return
        self._later.stop()
        self._drawn_at = time.monotonic()
        xs = [t for t, _ in self.samples]
        for name, curve in self.count_curves.items():
            curve.setData(xs, [c[name] for _, c in self.samples])
        top = max((max(c.values(), default=0) for _, c in self.samples), default=0)
        self._fit(self.count_plot, xs[-1] if xs else 0.0, top)
        if len(self.samples) <= 2:  # it changes only between no sample and some
            self._show_note()
        if stagger:
            self._rates_later.start()
        else:
            self._redraw_rates()

    def _redraw_rates(self) -> None:
        self._rates_later.stop()
        rates_x, rates = throughput(self.samples)
        self.rate_curve.setData(rates_x, rates)
        self._fit(self.rate_plot, rates_x[-1] if rates_x else 0.0, max(rates, default=0.0))

    @staticmethod
    def _fit(plot: pg.PlotWidget, x: float, y: float) -> None:
        """Grow (or, after a reset, shrink) the ranges in steps that keep a little headroom."""
        (_, x_end), (_, y_end) = plot.getPlotItem().viewRange()
        want_x, want_y = nice_ceiling(x * 1.05), nice_ceiling(y * 1.1)
        if not (math.isclose(want_x, x_end) and math.isclose(want_y, y_end)):
            plot.getPlotItem().setRange(xRange=(-want_x * MARGIN, want_x), yRange=(-want_y * MARGIN, want_y),
                                        padding=0)

    def rates(self) -> list[float]:
        return list(self.rate_curve.getData()[1] if self.rate_curve.getData()[1] is not None else [])
