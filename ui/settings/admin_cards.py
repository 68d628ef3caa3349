"""Cards for the settings every console shares (retention, SMTP) and the local worker
count. The shared ones are forms generated from `app.api.settings` models and saved in the
database; the worker count is this workstation's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget
from sqlalchemy import Engine

from app.api import secrets
from app.api import settings as admin
from ui.card import Card, muted, say
from ui.console import Console
from ui.forms import SchemaForm
from ui.workers import MODES

MAX_WORKERS = 32


class ModelCard(Card):
    """A form for one settings model, loaded from and saved to the shared database."""

    def __init__(self, title: str, description: str, engine: Engine, model: type[BaseModel],
                 load: Callable[[Engine], BaseModel], store: Callable[[Engine, Any], None], key: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, description, parent)
        self.engine, self.model, self.load, self.store = engine, model, load, store
        self.form = SchemaForm.for_model(model)
        self.form.setObjectName(f"{key}_form")
        self.body.addWidget(self.form)
        self.status = QLabel()
        self.status.setObjectName(f"{key}_status")
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName(f"save_{key}")
        self.save_button.clicked.connect(self.save)
        self.form.validityChanged.connect(self.save_button.setEnabled)
        self.buttons = self.add_buttons(self.save_button, status=self.status)
        self.refresh()

    def refresh(self) -> None:
        self.form.set_values(self.load(self.engine).model_dump(mode="json"))
        say(self.status, "")

    def save(self) -> bool:
        if not self.form.revalidate():
            say(self.status, "✖ Fix the fields marked above first.", False)
            return False
        self.store(self.engine, self.form.parsed)
        say(self.status, "✔ Saved — every console and worker uses these now.", True)
        return True


class SmtpCard(ModelCard):
    """SMTP, with the password for its username kept in the keyring."""

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__("E-mail (SMTP)", "Where notifications and the daily failure digest are sent from.",
                         engine, admin.SmtpSettings, admin.load_smtp, admin.save_smtp, "smtp", parent)
        self.password = QLineEdit()
        self.password.setObjectName("smtp_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("SMTP password (kept in the system keyring)")
        self.form.layout_.addRow("Password:", self.password)

    def save(self) -> bool:
        if not super().save():
            return False
        parsed: admin.SmtpSettings = self.form.parsed
        if self.password.text():
            try:
                secrets.store(secrets.smtp_account(parsed.username, parsed.host), self.password.text())
            except secrets.NoKeyring as exc:
                say(self.status, f"Saved the settings, but {exc}.", False)
                return True
            self.password.clear()
            say(self.status, "✔ Saved; the password is in the keyring.", True)
        return True


class WorkersCard(Card):
    def __init__(self, console: Console, parent: QWidget | None = None) -> None:
        super().__init__("Local workers", "Jobs this console runs itself. 0 only watches: "
                         "a headless `batchdesk worker` or another console does the work.", parent)
        self.console = console
        self.count = QSpinBox()
        self.count.setObjectName("worker_count")
        self.count.setRange(0, MAX_WORKERS)
        self.count.setValue(console.worker_count())
        self.count.setFixedWidth(90)
        self.mode = QComboBox()
        self.mode.setObjectName("worker_mode")
        for key, title in MODES.items():
            self.mode.addItem(title, key)
        self.mode.setCurrentIndex(max(0, self.mode.findData(console.worker_mode())))
        self.mode.setToolTip("Worker threads run jobs inside this console. Worker processes run each worker's "
                             "jobs in a process of its own, so busy jobs never slow the window down.")
        self.status = QLabel()
        self.status.setObjectName("workers_status")
        self.apply = QPushButton("Apply")
        self.apply.setObjectName("apply_workers")
        self.apply.clicked.connect(self.save)
        row = self.add_buttons(self.apply, status=self.status)
        for i, widget in enumerate((QLabel("Workers:"), self.count, QLabel("running jobs in"), self.mode)):
            row.insertWidget(i, widget)
        row.insertSpacing(4, 12)
        self.body.addWidget(muted("Saved for this workstation; applied at once (a busy worker finishes its run first)."))
        say(self.status, "")

    def save(self) -> None:
        self.console.set_worker_mode(str(self.mode.currentData()))
        self.console.set_worker_count(self.count.value())
        say(self.status, f"✔ {self.count.value()} local worker(s), {self.mode.currentText().lower()}.", True)
