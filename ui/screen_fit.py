"""Dialog sizes that fit the screen they open on: the size a dialog would like, capped to the
screen's available geometry (less the room a window frame takes), and a minimum that is
sensible on a desktop but never larger than that screen either."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

FRAME = QSize(24, 56)  # a title bar and borders around the client area, with a little air
MINIMUM = QSize(640, 440)


def available_size(widget: QWidget) -> QSize:
    """The client area a window can have on the screen this widget (or its parent) is on."""
    owner = widget.parentWidget() or widget
    screen: QScreen | None = owner.screen() or QGuiApplication.primaryScreen()
    if screen is None:  # no screen at all: nothing to cap against
        return QSize(16_777_215, 16_777_215)
    return screen.availableGeometry().size() - FRAME


def fit_to_screen(widget: QWidget, wanted: QSize) -> QSize:
    """Resize `widget` to `wanted`, or to what its screen has room for, and keep its minimum
    size within that room too. Returns the size it got."""
    room = available_size(widget)
    widget.setMinimumSize(MINIMUM.boundedTo(room))
    size = wanted.boundedTo(room).expandedTo(widget.minimumSize())
    widget.resize(size)
    return size
