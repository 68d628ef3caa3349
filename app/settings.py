"""Where Batchdesk keeps its files and which database it talks to.

One place decides the data directory (platformdirs, overridable with BATCHDESK_HOME for
tests and portable installs) and the database URL (--db, then BATCHDESK_DB, then the
embedded SQLite file), so the console, the worker and the CLI always agree.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Batchdesk"
DB_ENV = "BATCHDESK_DB"
HOME_ENV = "BATCHDESK_HOME"


def data_dir() -> Path:
    """The per-user data directory, created on first use."""
    override = os.environ.get(HOME_ENV)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'batchdesk.sqlite3'}"


def resolve_db_url(cli_value: str | None = None) -> str:
    """--db wins over BATCHDESK_DB, which wins over the embedded SQLite file."""
    return cli_value or os.environ.get(DB_ENV) or default_sqlite_url()


def is_default_database(url: str) -> bool:
    return url == default_sqlite_url()
