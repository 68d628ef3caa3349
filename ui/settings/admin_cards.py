"""Cards for the settings every console shares (retention, SMTP) and the local worker
count. The shared ones are forms generated from `app.api.settings` models, read and saved
in the database off the GUI thread; the worker count is this workstation's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget
from sqlalchemy import Engine

from app.api import secrets
from app.api import settings as admin
from app.api.connection import describe_error
from ui.background import Background
from ui.card import Card, muted, say
from ui.console import Console
from ui.forms import SchemaForm
from ui.thread_task import while_alive
from ui.workers import MODES

MAX_WORKERS = 32


class ModelCard(Card):
    """A form for one settings model, loaded from and saved to the shared database on the
    console's query thread: the fields stay disabled until the stored values have arrived,
    so nothing typed is overwritten and nobody saves defaults they never saw."""

    def __init__(self, title: str, description: str, engine: Engine, background: Background,
                 model: type[BaseModel], load: Callable[[Engine], BaseModel], store: Callable[[Engine, Any], None],
                 key: str, parent: QWidget | None = None) -> None:
        super().__init__(title, description, parent)
        self.engine, self.background, self.model, self.load, self.store = engine, background, model, load, store
        self.loaded = False
        self.busy = False
        self.form = SchemaForm.for_model(model)
        self.form.setObjectName(f"{key}_form")
        self.body.addWidget(self.form)
        self.status = QLabel()
        self.status.setObjectName(f"{key}_status")
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName(f"save_{key}")
        self.save_button.clicked.connect(self.save)
        self.form.validityChanged.connect(lambda _valid: self._enable())
        self.buttons = self.add_buttons(self.save_button, status=self.status)
        self.refresh()

    def _enable(self) -> None:
        self.form.setEnabled(self.loaded and not self.busy)
        self.save_button.setEnabled(self.loaded and not self.busy and self.form.is_valid())

    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        self._enable()
        if message:
            say(self.status, message)

    def refresh(self) -> None:
        if self.busy:
            return
        self._set_busy(True, "Loading…")
        engine, load = self.engine, self.load
        self.background.submit(lambda: load(engine), while_alive(self, self._loaded),
                               while_alive(self, self._load_failed))

    def _loaded(self, values: BaseModel) -> None:
        self.loaded = True
        self.form.set_values(values.model_dump(mode="json"))
        self._set_busy(False)
        say(self.status, "")

    def _load_failed(self, exc: Exception) -> None:
        self._set_busy(False)
        say(self.status, f"✖ Could not read the settings: {describe_error(exc)}. Press F5 to try again.", False)

    def save(self) -> bool:
        """Start saving (the answer comes to `saved`); False when the form is refused."""
        if not self.loaded or self.busy:
            return False
        if not self.form.revalidate():
            say(self.status, "✖ Fix the fields marked above first.", False)
            return False
        self._set_busy(True, "Saving…")
        engine, store, parsed = self.engine, self.store, self.form.parsed
        self.background.submit(lambda: store(engine, parsed), while_alive(self, lambda _none: self.saved(parsed)),
                               while_alive(self, self._save_failed))
        return True

    def saved(self, parsed: Any) -> None:
        self._set_busy(False)
        say(self.status, "✔ Saved — every console and worker uses these now.", True)

    def _save_failed(self, exc: Exception) -> None:
        self._set_busy(False)
        say(self.status, f"✖ Not saved: {describe_error(exc)}", False)


class SmtpCard(ModelCard):
    """SMTP, with the password for its username kept in the keyring."""

    def __init__(self, engine: Engine, background: Background, parent: QWidget | None = None) -> None:
        super().__init__("E-mail (SMTP)", "Where notifications and the daily failure digest are sent from.",
                         engine, background, admin.SmtpSettings, admin.load_smtp, admin.save_smtp, "smtp", parent)
        self.password = QLineEdit()
        self.password.setObjectName("smtp_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.layout_.addRow("Password:", self.password)
        self._describe_password()

    def _describe_password(self) -> None:
        """Where a typed password goes; without a keyring it goes nowhere, and the field says so
        (it promised the keyring while the Database card said there was none)."""
        available = secrets.keyring_status().available
        self.password.setPlaceholderText("SMTP password (kept in the system keyring)" if available else
                                         "No keyring on this machine: an SMTP password cannot be saved")

    def refresh(self) -> None:
        super().refresh()
        if hasattr(self, "password"):  # the first refresh runs before the field exists
            self._describe_password()

    def saved(self, parsed: admin.SmtpSettings) -> None:
        super().saved(parsed)
        if self.password.text():
            try:
                secrets.store(secrets.smtp_account(parsed.username, parsed.host), self.password.text())
            except secrets.NoKeyring as exc:
                say(self.status, f"Saved the settings, but {exc}.", False)
                return
            self.password.clear()
            say(self.status, "✔ Saved; the password is in the keyring.", True)


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
        self.running = muted("")  # a line of its own: beside Apply it wrapped to nine lines
        self.body.addWidget(self.running)
        console.workers.changed.connect(self._describe_running)
        self._describe_running()

    def _describe_running(self) -> None:
        """The box shows the saved count; when this session runs another, say so (and why)."""
        note, running, saved = self.console.workers_note, self.console.workers.count, self.console.worker_count()
        text = (f"{running} running now: {note}. The saved {saved} start with the console, or press Apply."
                if note and running != saved else "")
        self.running.setText(text)
        self.running.setVisible(bool(text))

    def save(self) -> None:
        self.console.set_worker_mode(str(self.mode.currentData()))
        self.console.set_worker_count(self.count.value())
        say(self.status, f"✔ {self.count.value()} local worker(s), {self.mode.currentText().lower()}.", True)
