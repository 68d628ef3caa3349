"""What the console says about its database: a URL safe to show, and the backend's name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine


@dataclass(frozen=True)
class DatabaseInfo:
    url: str  # never holds the password
    backend: str  # "PostgreSQL" | "SQLite"
    listens: bool  # True when other consoles' changes arrive by NOTIFY, not by polling


def describe(engine: Engine) -> DatabaseInfo:
    url = engine.url
    shown = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)
    postgres = url.get_backend_name() == "postgresql"
    return DatabaseInfo(url=shown, backend="PostgreSQL" if postgres else "SQLite", listens=postgres)
