"""Database connection: a PostgreSQL (or SQLite) URL kept in the console's settings without
its password, the password in the keyring, and a Test Connection that runs off the GUI
thread and says what happened."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.api import connection, secrets
from app.api.connection import BadUrl, ConnectionResult
from app.api.database import DatabaseInfo
from ui.card import Card, muted, say
from ui.thread_task import ThreadTask

URL_KEY = "database/url"


def saved_url(settings: QSettings) -> str:
    value = settings.value(URL_KEY, "")
    return str(value) if value else ""


def startup_url(cli_value: str | None) -> str | None:
    """The database the console opens: --db, BATCHDESK_DB, the URL saved here (with its
    keyring password), else None for the embedded default."""
    from ui.console import console_settings

    return connection.console_url(cli_value, saved_url(console_settings()) or None)


class DatabaseCard(Card):
    def __init__(self, settings: QSettings, info: DatabaseInfo, parent: QWidget | None = None) -> None:
        super().__init__("Database connection",
                         "The shared database every console and worker uses. Teams use PostgreSQL; the password "
                         "is kept in the system keyring, never in a file.", parent)
        self.settings = settings
        self.task: ThreadTask | None = None
        self._testing = False
        self.body.addWidget(muted(f"In use now: {info.backend} · {info.url}"))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)  # as the other cards' generated forms
        self.url = QLineEdit(saved_url(settings))
        self.url.setObjectName("db_url")
        self.url.setPlaceholderText("postgresql://user@db-host:5432/batchdesk")
        self.url.setClearButtonEnabled(True)
        self.password = QLineEdit()
        self.password.setObjectName("db_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("URL:", self.url)
        form.addRow("Password:", self.password)
        self.body.addLayout(form)
        self.keyring = QLabel()
        self.keyring.setObjectName("keyring_status")
        self.keyring.setWordWrap(True)
        self.body.addWidget(self.keyring)
        self.body.addWidget(muted("Takes effect when the console next starts; --db and BATCHDESK_DB still win."))
        self.result = QLabel()
        self.result.setObjectName("db_result")
        self.test_button = QPushButton("Test Connection")
        self.test_button.setObjectName("test_connection")
        self.test_button.clicked.connect(self.test)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("save_database")
        self.save_button.clicked.connect(self.save)
        self.add_buttons(self.test_button, self.save_button, status=self.result)
        self.url.textChanged.connect(self._update_test_button)
        self.refresh_keyring()
        say(self.result, "")
        self._update_test_button()

    def _update_test_button(self) -> None:
        """Test Connection needs a URL to test (an empty one said 'not a database URL: Could
        not parse SQLAlchemy URL…'); never two tests at once."""
        self.test_button.setEnabled(bool(self.url.text().strip()) and not self._testing)
        self.test_button.setToolTip("" if self.url.text().strip() else
                                    "Type a database URL to test it (empty: the embedded database)")

    def refresh_keyring(self) -> secrets.KeyringStatus:
        status = secrets.keyring_status()
        say(self.keyring, status.message, None if status.available else False)
        has_saved = False
        if status.available and self.url.text().strip():
            try:
                has_saved = connection.saved_password(self.url.text()) is not None
            except BadUrl:
                has_saved = False
        self.password.setPlaceholderText("saved in the keyring" if has_saved else "")
        return status

    def _url_with_password(self) -> str:
        base, embedded = connection.split_password(self.url.text())
        typed = self.password.text() or embedded
        return connection.with_password(base, typed) if typed else connection.full_url(base)

    def test(self) -> None:
        if self._testing or not self.url.text().strip():
            return
        try:
            url = self._url_with_password()
        except BadUrl as exc:
            say(self.result, f"✖ {exc}", False)
            return
        say(self.result, "Testing…")
        self._testing = True
        self.task = ThreadTask(lambda: connection.check_connection(url), "connection-test", self)
        self.task.done.connect(self._tested)
        self.task.failed.connect(self._test_failed)
        self.task.start()
        self._update_test_button()

    def _tested(self, result: ConnectionResult) -> None:
        self._testing = False  # the answer is here (its thread may not have ended yet)
        self._update_test_button()
        say(self.result, ("✔ " if result.ok else "✖ ") + result.message, result.ok)

    def _test_failed(self, exc: Exception) -> None:
        self._tested(connection.failure(exc))

    def save(self) -> None:
        text = self.url.text().strip()
        if not text:
            self.settings.remove(URL_KEY)
            say(self.result, "Saved: the console will use its embedded database.", True)
            return
        try:
            base, embedded = connection.split_password(text)
        except BadUrl as exc:
            say(self.result, f"✖ {exc}", False)
            return
        password = self.password.text() or embedded
        self.settings.setValue(URL_KEY, base)
        self.settings.sync()
        self.url.setText(base)
        self.password.clear()
        if not password:
            say(self.result, "Saved the URL.", True)
        else:
            try:
                secrets.store(connection.account_for(connection.parse(base)), password)
            except secrets.NoKeyring as exc:
                say(self.result, f"Saved the URL, but {exc}. Enter it again next time.", False)
                self.refresh_keyring()
                return
            say(self.result, "Saved the URL; the password is in the keyring.", True)
        self.refresh_keyring()
