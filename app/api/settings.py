"""Admin settings shared by every console (retention, SMTP, digest recipients) as pydantic
models: their schema drives the Settings page's forms, their validation guards the store."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine

from app import settings_store
from app.records.validators import Invalid, email

SENDER = re.compile(r"^[^@\s]+@[^@\s]+$")


class RetentionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    history_days: int = Field(90, ge=1, le=3650, title="Job history (days)",
                              description="After this, a run's log, errors and files go; its summary counters stay.")
    export_days: int = Field(7, ge=1, le=365, title="Export files (days)",
                             description="Exported files can be downloaded this long.")
    failed_records_days: int = Field(30, ge=1, le=365, title="Failed-records files (days)",
                                     description="Files of failed import rows are kept this long.")


class SmtpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field("", max_length=255, title="SMTP host",
                      description="Mail server for notifications and the failure digest; empty sends no mail.")
    port: int = Field(25, ge=1, le=65535, title="Port")
    starttls: bool = Field(False, title="Use STARTTLS", description="Encrypt the connection after connecting.")
    sender: str = Field("batchdesk@localhost", max_length=255, title="Sender address")
    username: str = Field("", max_length=255, title="Username",
                          description="Leave empty when the server needs no login.")
    recipients: list[str] = Field(default_factory=list, title="Digest recipients",
                                  description="Who receives the daily digest of failed runs.")

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if not SENDER.match(value.strip()):
            raise ValueError(f"not a sender address: '{value}'")
        return value.strip()

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                email(value.strip())
            except Invalid:
                raise ValueError(f"not an e-mail address: '{value}'") from None
        return [v.strip() for v in values]


RETENTION_KEYS = {"history_days": "retention.history_days", "export_days": "retention.export_days",
                  "failed_records_days": "retention.failed_records_days"}
SMTP_KEYS = {"host": "smtp.host", "port": "smtp.port", "starttls": "smtp.starttls", "sender": "smtp.sender",
             "username": "smtp.username", "recipients": "digest.recipients"}


def _load(engine: Engine, keys: dict[str, str]) -> dict[str, Any]:
    stored = settings_store.get_all(engine)
    return {field: stored[key] for field, key in keys.items()}


def load_retention(engine: Engine) -> RetentionSettings:
    return RetentionSettings.model_validate(_load(engine, RETENTION_KEYS))


def load_smtp(engine: Engine) -> SmtpSettings:
    return SmtpSettings.model_validate(_load(engine, SMTP_KEYS))


def _save(engine: Engine, model: BaseModel, keys: dict[str, str]) -> None:
    values = model.model_dump(mode="json")
    with engine.begin() as conn:
        for field, key in keys.items():
            settings_store.put(conn, key, values[field])


def save_retention(engine: Engine, values: RetentionSettings) -> None:
    _save(engine, values, RETENTION_KEYS)


def save_smtp(engine: Engine, values: SmtpSettings) -> None:
    _save(engine, values, SMTP_KEYS)
