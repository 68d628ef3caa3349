"""Settings: the database connection, this console's workers, and the settings every
console shares (retention periods, SMTP and digest recipients)."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.api import settings as admin
from ui.console import Console
from ui.pages import PageSpec
from ui.settings.admin_cards import ModelCard, SmtpCard, WorkersCard
from ui.settings.database_card import DatabaseCard


class SettingsPage(QScrollArea):
    def __init__(self, console: Console, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.database = DatabaseCard(console.settings, console.info)
        self.workers = WorkersCard(console)
        self.retention = ModelCard(
            "Retention", "How long job history and files are kept; the daily retention clean-up applies them.",
            console.engine, console.background, admin.RetentionSettings, admin.load_retention, admin.save_retention, "retention")
        self.smtp = SmtpCard(console.engine, console.background)
        left, right = QVBoxLayout(), QVBoxLayout()
        for column, cards in ((left, (self.database, self.workers)), (right, (self.retention, self.smtp))):
            column.setSpacing(14)
            for card in cards:
                column.addWidget(card)
            column.addStretch(1)
        self.left, self.right = left, right
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.columns.setSpacing(14)
        self.columns.addLayout(left, 1)
        self.columns.addLayout(right, 1)
        inner = QWidget()
        self.outer = QVBoxLayout(inner)
        self.outer.setContentsMargins(18, 14, 18, 16)  # as Schedules and Dashboard, title included
        self.outer.setSpacing(12)
        title = QLabel("Settings")
        title.setObjectName("PaneTitle")
        self.outer.addWidget(title)
        self.outer.addLayout(self.columns)
        self.setWidget(inner)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        """Two columns of cards where they fit side by side, else one (a 1024-pixel screen)."""
        margins = self.outer.contentsMargins()
        both = (self.left.minimumSize().width() + self.right.minimumSize().width() + self.columns.spacing()
                + margins.left() + margins.right() + self.verticalScrollBar().sizeHint().width())
        wanted = (QBoxLayout.Direction.LeftToRight if event.size().width() >= both
                  else QBoxLayout.Direction.TopToBottom)
        if self.columns.direction() != wanted:
            self.columns.setDirection(wanted)
        super().resizeEvent(event)

    def refresh(self) -> None:
        """F5: reload the shared settings (another console may have changed them)."""
        self.retention.refresh()
        self.smtp.refresh()
        self.database.refresh_keyring()


PAGE = PageSpec(key="settings", title="Settings", icon="settings", factory=SettingsPage, order=90)
