"""Settings, driven by keys and clicks: retention and SMTP persist in the shared database,
passwords go to the keyring (an in-memory backend here) and never to a file, a machine
without a keyring says so, Test Connection reports from off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import Qt
from sqlalchemy import Engine

from app import settings_store
from app.api import secrets


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.saved.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.saved[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.saved.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def settings_page(qtbot, make_window):  # type: ignore[no-untyped-def]
    """The page once its shared settings have arrived from the query thread."""
    window = make_window()
    page = window.show_page("settings")
    qtbot.waitUntil(lambda: page.retention.form.isEnabled() and page.smtp.form.isEnabled())
    return window, page


def retype(qtbot, line, text: str) -> None:  # type: ignore[no-untyped-def]
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    qtbot.keyClicks(line, text)


def no_file_holds(home: Path, secret: str) -> bool:
    return not any(secret.encode() in p.read_bytes() for p in home.rglob("*") if p.is_file())


def test_retention_is_saved_in_the_database_and_bad_values_refused(qtbot, make_window, console_engine: Engine) -> None:
    _window, page = settings_page(qtbot, make_window)
    card = page.retention
    history = card.form.editors["history_days"].spin
    retype(qtbot, history.lineEdit(), "0")
    qtbot.waitUntil(lambda: not card.save_button.isEnabled())
    assert "between 1 and 3650" in card.form.error_labels["history_days"].text()
    retype(qtbot, history.lineEdit(), "120")
    failed = card.form.editors["failed_records_days"].spin
    retype(qtbot, failed.lineEdit(), "45")
    qtbot.waitUntil(card.save_button.isEnabled)
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in card.status.text())
    with console_engine.connect() as conn:
        assert settings_store.retention_days(conn) == {"history": 120, "export": 7, "failed_records": 45}


def test_smtp_settings_persist_and_the_password_goes_to_the_keyring(
        qtbot, make_window, console_engine: Engine, console_home: Path, memory_keyring: MemoryKeyring) -> None:
    _window, page = settings_page(qtbot, make_window)
    card = page.smtp
    editors = card.form.editors
    retype(qtbot, editors["host"].line, "smtp.example.com")
    retype(qtbot, editors["port"].spin.lineEdit(), "587")
    qtbot.mouseClick(editors["starttls"].box, Qt.MouseButton.LeftButton)
    retype(qtbot, editors["username"].line, "mailer")
    recipients = editors["recipients"]
    qtbot.keyClicks(recipients.entry, "not-an-email")
    qtbot.keyClick(recipients.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: card.form.error_labels["recipients"].isVisible())
    assert "not an e-mail address: 'not-an-email'" in card.form.error_labels["recipients"].text()
    assert not card.save_button.isEnabled()
    recipients.list.setCurrentRow(0)
    qtbot.mouseClick(recipients.remove_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(recipients.entry, "ops@example.com")
    qtbot.keyClick(recipients.entry, Qt.Key.Key_Return)
    qtbot.keyClicks(card.password, "s3cret-smtp")
    qtbot.waitUntil(card.save_button.isEnabled)
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "password is in the keyring" in card.status.text())
    stored = settings_store.get_all(console_engine)
    assert (stored["smtp.host"], stored["smtp.port"], stored["smtp.starttls"], stored["smtp.username"]) == (
        "smtp.example.com", 587, True, "mailer")
    assert stored["digest.recipients"] == ["ops@example.com"]
    assert secrets.smtp_password("mailer", "smtp.example.com") == "s3cret-smtp"
    assert no_file_holds(console_home, "s3cret-smtp")


def test_database_url_is_saved_without_its_password(qtbot, make_window, console_home: Path,
                                                    memory_keyring: MemoryKeyring) -> None:
    window, page = settings_page(qtbot, make_window)
    card = page.database
    assert card.keyring.text().startswith("Passwords are kept in the system keyring")
    retype(qtbot, card.url, "postgresql://batch:pw-in-url-42@db.example:5432/batchdesk")
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    assert "password is in the keyring" in card.result.text()
    saved = window.console.settings.value("database/url")
    assert saved == "postgresql://batch@db.example:5432/batchdesk"
    assert card.password.placeholderText() == "saved in the keyring"
    assert memory_keyring.saved == {("batchdesk", "db:batch@db.example:5432/batchdesk"): "pw-in-url-42"}
    assert no_file_holds(console_home, "pw-in-url-42")
    from app.api.connection import console_url

    assert console_url(None, saved) == "postgresql+psycopg://batch:pw-in-url-42@db.example:5432/batchdesk"


def test_without_a_keyring_the_page_says_so_and_saves_no_password(qtbot, make_window, console_home: Path,
                                                                  no_keyring: None) -> None:
    _window, page = settings_page(qtbot, make_window)
    card = page.database
    assert card.keyring.isVisible()
    assert "No keyring is available on this machine" in card.keyring.text()
    assert "cannot be saved" in page.smtp.password.placeholderText()  # not "kept in the system keyring"
    retype(qtbot, card.url, "postgresql://batch@db.example/batchdesk")
    qtbot.keyClicks(card.password, "never-in-a-file")
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    assert "password was not saved" in card.result.text()
    assert no_file_holds(console_home, "never-in-a-file")


def test_test_connection_reports_success_and_failure(qtbot, make_window, console_engine: Engine) -> None:
    _window, page = settings_page(qtbot, make_window)
    card = page.database
    assert card.url.text() == "" and not card.test_button.isEnabled()  # nothing to test yet
    retype(qtbot, card.url, console_engine.url.render_as_string(hide_password=False))
    assert card.test_button.isEnabled()
    qtbot.mouseClick(card.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.result.text().startswith("✔"), timeout=15000)
    assert card.test_button.isEnabled()  # ready for the next test once the answer is in
    backend = "PostgreSQL" if console_engine.dialect.name == "postgresql" else "SQLite"
    assert f"Connected to {backend}" in card.result.text() and "schema up to date" in card.result.text()
    retype(qtbot, card.url, "postgresql://nobody@127.0.0.1:1/none")
    qtbot.mouseClick(card.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.result.text().startswith("✖"), timeout=15000)
    # one sentence that says "failed" at most once (it said "✖ Failed: connection failed: … failed: …")
    assert card.result.text() == "✖ Could not connect to the server at 127.0.0.1, port 1 (connection refused)."
    card.task.join(5)


def test_worker_count_applies_at_once_and_is_remembered(qtbot, make_window) -> None:
    window, page = settings_page(qtbot, make_window)
    card = page.workers
    retype(qtbot, card.count.lineEdit(), "1")
    qtbot.mouseClick(card.apply, Qt.MouseButton.LeftButton)
    assert window.console.workers.count == 1
    assert window.console.worker_count() == 1


def test_the_console_opens_the_saved_database_unless_told_otherwise(console_home: Path, monkeypatch,
                                                                     memory_keyring: MemoryKeyring) -> None:
    from ui.console import console_settings
    from ui.settings.database_card import URL_KEY, startup_url

    monkeypatch.delenv("BATCHDESK_DB", raising=False)
    assert startup_url(None) is None  # nothing saved: the embedded database
    settings = console_settings()
    settings.setValue(URL_KEY, "postgresql://batch@db.example/batchdesk")
    settings.sync()
    secrets.store("db:batch@db.example:/batchdesk", "from-keyring")
    assert startup_url(None) == "postgresql+psycopg://batch:from-keyring@db.example/batchdesk"
    assert startup_url("sqlite:///other.db") == "sqlite:///other.db"
    monkeypatch.setenv("BATCHDESK_DB", "sqlite:///env.db")
    assert startup_url(None) == "sqlite:///env.db"
