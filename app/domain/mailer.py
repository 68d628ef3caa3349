"""Sending outbox mail over SMTP with the admin's settings (host, port, sender, STARTTLS,
user; the password comes from the OS keyring, never from a file)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import Connection

from app import settings_store

KEYRING_SERVICE = "batchdesk-smtp"
TIMEOUT = 30


class MailNotConfigured(RuntimeError):
    pass


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool
    username: str

    @classmethod
    def load(cls, conn: Connection) -> SmtpConfig:
        get = settings_store.get
        return cls(str(get(conn, "smtp.host") or "").strip(), int(get(conn, "smtp.port")),
                   str(get(conn, "smtp.sender")), bool(get(conn, "smtp.starttls")), str(get(conn, "smtp.username") or ""))

    @property
    def configured(self) -> bool:
        return bool(self.host)


def digest_recipients(conn: Connection) -> list[str]:
    value = settings_store.get(conn, "digest.recipients") or []
    items = value.split(",") if isinstance(value, str) else value
    return sorted({str(v).strip() for v in items if str(v).strip()}, key=str.lower)


def _password(username: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, username)
    except KeyringError as exc:
        raise MailNotConfigured(f"the SMTP password for {username} cannot be read: {exc}") from None


class Mailer:
    """One SMTP session for a delivery run; `send` raises smtplib/OSError errors per message."""

    def __init__(self, config: SmtpConfig) -> None:
        if not config.configured:
            raise MailNotConfigured("SMTP is not configured (Settings → SMTP host)")
        self.config = config
        self.smtp = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
        if config.starttls:
            self.smtp.starttls()
        if config.username:
            password = _password(config.username)
            if password is None:
                raise MailNotConfigured(f"no SMTP password for {config.username} in the keyring")
            self.smtp.login(config.username, password)

    def send(self, recipient: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = recipient
        msg["Subject"] = subject
        msg.set_content(body)
        self.smtp.send_message(msg)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except smtplib.SMTPException:
            self.smtp.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
