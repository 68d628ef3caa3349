"""Status colours keep their text readable, 4.5:1 or more on both palettes: the run detail's
tinted progress bar (a warning's on the dark palette was 3.95:1) and the status chips of the
history and the detail (white on the dark palette's Warning, Completed and Processing was
3.2-3.7:1)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QProgressBar

from app.engine.status import RunStatus
from tests.console.helpers import themed
from ui.theme import contrast as _contrast


def _strongest(image: QImage, area: tuple[int, int, int, int]) -> tuple[float, QColor]:
    """The most common colour in the area (the fill) and the strongest contrast against it (the text)."""
    left, top, right, bottom = area
    pixels = [image.pixelColor(x, y) for x in range(left, right) for y in range(top, bottom)]
    counts: dict[str, int] = {}
    for c in pixels:
        counts[c.name()] = counts.get(c.name(), 0) + 1
    fill = QColor(max(counts, key=lambda k: counts[k]))
    return max(_contrast(c, fill) for c in pixels), fill


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_tinted_progress_bar_text_reads_on_both_palettes(qtbot, monkeypatch, scheme: str) -> None:
    from ui.detail.summary import tint_progress

    with themed(monkeypatch, scheme):
        bar = QProgressBar()
        qtbot.addWidget(bar)
        bar.resize(400, 24)
        bar.setRange(0, 1000)
        bar.setValue(1000)
        bar.setFormat("1000/1000 — 100%")
        bar.show()
        for status in RunStatus:
            tint_progress(bar, status)
            text, chunk = _strongest(bar.grab().toImage(), (20, 6, 380, 18))
            assert text >= 4.5, f"{status.value}: text {text:.2f}:1 on its {scheme} bar ({chunk.name()})"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_status_chips_text_reads_on_both_palettes(qtbot, monkeypatch, scheme: str) -> None:
    from ui.delegates import paint_chip
    with themed(monkeypatch, scheme) as app:
        font = QFont(app.font())
        font.setBold(True)
        for status in RunStatus:
            image = QImage(140, 30, QImage.Format.Format_ARGB32)
            image.fill(app.palette().base().color())
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setFont(font)
            paint_chip(painter, QRectF(0, 0, 140, 30), status, QFontMetrics(font))
            painter.end()
            text, fill = _strongest(image, (16, 10, 70, 20))
            assert fill.name() != app.palette().base().color().name()
            assert text >= 4.5, f"{status.label}: text {text:.2f}:1 on its {scheme} chip ({fill.name()})"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_muted_text_reads_on_both_palettes(qtbot, monkeypatch, scheme: str) -> None:
    """Descriptions, hints and subtitles (#Muted, the placeholder-text colour) at 4.5:1 or more
    on the window: on the light palette they were Fusion's half-black, 3.9:1."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    with themed(monkeypatch, scheme) as app:
        host = QWidget()
        qtbot.addWidget(host)
        label = QLabel("Only records owned by this employee.")
        label.setObjectName("Muted")
        QVBoxLayout(host).addWidget(label)
        host.show()
        qtbot.waitExposed(host)
        image = host.grab().toImage()
        geometry = label.geometry()
        text, fill = _strongest(image, (geometry.left(), geometry.top(), geometry.right(), geometry.bottom()))
        assert fill.name() == app.palette().window().color().name()
        assert text >= 4.5, f"muted text {text:.2f}:1 on the {scheme} window"
