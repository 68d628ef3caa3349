"""A titled card (the #Card style): the building block of the Settings, Dashboard and
Schedules pages, and of the import wizard's steps."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.theme import set_tone


def muted(text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Muted")
    label.setWordWrap(wrap)
    return label


def say(label: QLabel, text: str, ok: bool | None = None) -> None:
    """Show a result line: green when ok, red when not, plain when None."""
    label.setText(text)
    set_tone(label, "" if ok is None else "ok" if ok else "error")
    label.setVisible(bool(text))


class Card(QFrame):
    def __init__(self, title: str, description: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(16, 12, 16, 14)
        self.body.setSpacing(8)
        heading = QLabel(title)
        heading.setObjectName("PaneTitle")
        self.body.addWidget(heading)
        if description:
            self.body.addWidget(muted(description))

    def add_buttons(self, *buttons: QWidget, status: QLabel | None = None) -> QHBoxLayout:
        """A row with a status line on the left and the buttons on the right."""
        row = QHBoxLayout()
        if status is not None:
            status.setWordWrap(True)
            row.addWidget(status, 1)
        row.addStretch(0 if status is not None else 1)
        for button in buttons:
            row.addWidget(button)
        self.body.addLayout(row)
        return row


class CounterTile(QFrame):
    """A big number over its name (dashboard tiles, an import's counters)."""

    def __init__(self, name: str, value: str = "–", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(2)
        self.value = QLabel(value)
        self.value.setObjectName("CounterValue")
        label = QLabel(name)
        label.setObjectName("CounterName")
        layout.addWidget(self.value)
        layout.addWidget(label)
