"""The console's database connection: a URL saved without its password (the password
lives in the keyring), put back together at start, and tested before it is used.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from app.api import secrets
from app.db.engine import make_engine, normalize_url
from app.settings import DB_ENV

CONNECT_TIMEOUT_S = 5


class BadUrl(ValueError):
    """Not a database URL this program can use; the message says why."""


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str
    seconds: float = 0.0


def parse(url: str) -> URL:
    try:
        parsed = make_url(normalize_url(url.strip()))
    except (ArgumentError, ValueError) as exc:
        raise BadUrl(f"not a database URL: {exc}") from None
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise BadUrl(f"unsupported database '{parsed.get_backend_name()}': use postgresql://… or sqlite:///…")
    return parsed


def account_for(url: URL) -> str:
    return secrets.database_account(url.username, url.host, url.port, url.database)


def split_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password it held)."""
    parse(url)
    written = make_url(url.strip())  # keep the driver as the admin wrote it
    return written._replace(password=None).render_as_string(hide_password=False), written.password


def with_password(url: str, password: str | None) -> str:
    parsed = parse(url)
    if password and parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(password=password)
    return parsed.render_as_string(hide_password=False)


def saved_password(url: str) -> str | None:
    return secrets.load(account_for(parse(url)))


def full_url(saved_url: str) -> str:
    """A saved URL with the password from the keyring (if one is kept there)."""
    return with_password(saved_url, saved_password(saved_url))


def console_url(cli_value: str | None, saved_url: str | None) -> str | None:
    """--db, then BATCHDESK_DB, then the URL saved in Settings (None: the embedded default)."""
    if cli_value or os.environ.get(DB_ENV):
        return cli_value or os.environ.get(DB_ENV)
    return full_url(saved_url) if saved_url else None


# psycopg wraps libpq's words in its own ("connection failed: connection to server at "h",
# port 1 failed: Connection refused"): said as one plain clause, "failed" once.
_SERVER_FAILED = re.compile(r'^connection to server (?:at "(?P<host>[^"]*)"(?: \([^)]*\))?, port (?P<port>\d+)'
                            r'|on socket "(?P<socket>[^"]*)") failed: (?:FATAL:\s+)?(?P<reason>.*)$')
_HOST_UNKNOWN = re.compile(r"^failed to resolve host '(?P<host>[^']*)': (?:\[Errno [^\]]*\] )?(?P<reason>.*)$")


def _lower_first(text_: str) -> str:
    return text_[:1].lower() + text_[1:] if text_[1:2].islower() else text_


def describe_error(exc: Exception) -> str:
    """The first line of a database error, in words an admin reads as one clause."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text_ = str(exc.orig).strip()
    else:
        text_ = str(exc).strip()
    lines = [line.strip() for line in text_.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    first = first.removeprefix("connection failed: ")
    if found := _SERVER_FAILED.match(first):
        where = (f"the server at {found['host']}, port {found['port']}" if found["host"] is not None
                 else f"the server on socket {found['socket']}")
        return f"could not connect to {where} ({_lower_first(found['reason'].rstrip('.'))})"
    if found := _HOST_UNKNOWN.match(first):
        return f"could not find the host {found['host']} ({_lower_first(found['reason'].rstrip('.'))})"
    return first


def _sentence(text_: str) -> str:
    """'✖ ' + this is the whole answer of Test Connection: one sentence, said once."""
    text_ = text_[:1].upper() + text_[1:]
    return text_ if text_.endswith((".", "?", "!", "…")) else text_ + "."


def failure(exc: Exception) -> ConnectionResult:
    """A test that could not even run (its thread raised), said like the others."""
    return ConnectionResult(False, _sentence(f"could not test the connection: {describe_error(exc)}"))


def check_connection(url: str, timeout: float = CONNECT_TIMEOUT_S) -> ConnectionResult:
    """Connect, ask the server its version and the schema's revision; never raises."""
    from app.db.migrate import head_revision

    started = time.monotonic()
    try:
        parsed = parse(url)
        kwargs: dict[str, object] = {}
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or not Path(parsed.database).is_file():
                return ConnectionResult(False, _sentence(f"no SQLite file at {parsed.database or '(none)'}"))
        else:
            kwargs = {"connect_args": {"connect_timeout": max(1, int(timeout))}, "pool_size": 1, "max_overflow": 0}
        engine = make_engine(parsed.render_as_string(hide_password=False), **kwargs)
    except (BadUrl, ArgumentError, NoSuchModuleError) as exc:
        return ConnectionResult(False, _sentence(describe_error(exc)))
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                server = "PostgreSQL " + str(conn.execute(text("SHOW server_version")).scalar()).split()[0]
            else:
                server = "SQLite " + str(conn.execute(text("select sqlite_version()")).scalar())
            from alembic.runtime.migration import MigrationContext

            revision = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        return ConnectionResult(False, _sentence(describe_error(exc)), time.monotonic() - started)
    finally:
        engine.dispose()
    head = head_revision()
    if revision is None:
        schema = "no Batchdesk schema yet (it is created on first start)"
    elif revision == head:
        schema = "schema up to date"
    else:
        schema = f"schema at {revision}, upgraded to {head} on first start"
    elapsed = time.monotonic() - started
    return ConnectionResult(True, f"Connected to {server} in {elapsed * 1000:.0f} ms — {schema}", elapsed)
