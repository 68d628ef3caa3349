"""Settings: the database connection, this console's workers, and the settings every
console shares (retention periods, SMTP and digest recipients)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

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
        columns = QHBoxLayout()
        columns.setSpacing(14)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(18, 16, 18, 16)
        outer.addLayout(columns)
        self.setWidget(inner)

    def refresh(self) -> None:
        """F5: reload the shared settings (another console may have changed them)."""
        self.retention.refresh()
        self.smtp.refresh()
        self.database.refresh_keyring()


PAGE = PageSpec(key="settings", title="Settings", icon="settings", factory=SettingsPage, order=90)
