"""Passwords in the operating system's keyring, never in a file.

A headless machine often has no keyring backend at all; then nothing is saved and the
console says so (`keyring_status`), instead of quietly falling back to a plain file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

SERVICE = "batchdesk"


class NoKeyring(RuntimeError):
    """There is no keyring to keep a password in; the message says why, in one line."""


@dataclass(frozen=True)
class KeyringStatus:
    available: bool
    backend: str
    message: str


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.split(". ")[0].rstrip(".") if text else type(exc).__name__


def keyring_status() -> KeyringStatus:
    backend = keyring.get_keyring()
    name = getattr(backend, "name", type(backend).__name__)
    try:
        backend.get_password(SERVICE, "probe")  # the fail backend raises NoKeyringError with the reason
    except KeyringError as exc:
        return KeyringStatus(False, name, f"No keyring is available on this machine ({_first_line(exc)}). "
                                          "Passwords are not saved: nothing is written to a file.")
    return KeyringStatus(True, name, f"Passwords are kept in the system keyring ({name}).")


def store(account: str, password: str) -> None:
    """Keep (or, with an empty password, forget) a password; NoKeyring when there is none."""
    try:
        if password:
            keyring.set_password(SERVICE, account, password)
        else:
            forget(account)
    except KeyringError as exc:
        raise NoKeyring(f"the password was not saved: no keyring is available ({_first_line(exc)})") from None


def load(account: str) -> str | None:
    """The saved password, or None when none is saved or no keyring exists."""
    try:
        return keyring.get_password(SERVICE, account)
    except KeyringError:
        return None


def forget(account: str) -> None:
    with contextlib.suppress(PasswordDeleteError):
        keyring.delete_password(SERVICE, account)


def database_account(user: str | None, host: str | None, port: int | None, database: str | None) -> str:
    return f"db:{user or ''}@{host or ''}:{port or ''}/{database or ''}"


def smtp_account(username: str, host: str) -> str:
    return f"smtp:{username}@{host}"


def smtp_password(username: str, host: str) -> str | None:
    """For the mail-delivery job: the SMTP password the admin saved in Settings."""
    return load(smtp_account(username, host)) if username else None
