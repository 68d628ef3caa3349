"""The run detail's progress bar, tinted by its run's status, keeps its text readable: 4.5:1
or more on both palettes (a warning's bar on the dark one was 3.95:1)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QProgressBar

from app.engine.status import RunStatus
from tests.console.test_toolbar_separator import _contrast


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_tinted_progress_bar_text_reads_on_both_palettes(qtbot, monkeypatch, scheme: str) -> None:
    from ui.detail.summary import tint_progress
    from ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    monkeypatch.setenv("BATCHDESK_THEME", scheme)
    apply_theme(app)
    try:
        bar = QProgressBar()
        qtbot.addWidget(bar)
        bar.resize(400, 24)
        bar.setRange(0, 1000)
        bar.setValue(1000)
        bar.setFormat("1000/1000 — 100%")
        bar.show()
        for status in RunStatus:
            tint_progress(bar, status)
            image = bar.grab().toImage()
            counts: dict[str, int] = {}
            pixels = [image.pixelColor(x, y) for x in range(20, 380) for y in range(6, 18)]
            for c in pixels:
                counts[c.name()] = counts.get(c.name(), 0) + 1
            chunk = QColor(max(counts, key=lambda k: counts[k]))
            text = max(_contrast(c, chunk) for c in pixels)
            assert text >= 4.5, f"{status.value}: text {text:.2f}:1 on its {scheme} bar ({chunk.name()})"
    finally:
        monkeypatch.setenv("BATCHDESK_THEME", "light")
        apply_theme(app)
