"""The toolbar's separator (between the dialogs and Refresh) is a line a person can see on
both palettes: Fusion drew it a shade off the dark window colour (#1c2024 on #1f2328)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolBar, QWidget

from tests.console.helpers import themed
from ui.theme import contrast as _contrast


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a look: the database does not change it
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_toolbar_separator_shows_on_both_palettes(make_window, qtbot, monkeypatch, scheme: str) -> None:
    with themed(monkeypatch, scheme):
        window = make_window()
        bar = window.findChild(QToolBar, "MainToolbar")
        separators = [w for w in bar.findChildren(QWidget) if w.metaObject().className() == "QToolBarSeparator"]
        assert len(separators) == 1 and separators[0].isVisible()
        image = bar.grab().toImage()
        rect = separators[0].geometry()
        background = image.pixelColor(rect.left() - 1, rect.center().y())
        strongest = max(_contrast(image.pixelColor(x, rect.center().y()), background)
                        for x in range(rect.left(), rect.right() + 1))
        assert strongest >= 1.4, f"separator {strongest:.2f}:1 against the toolbar"
