"""Opening the database for a command: migrate when behind, seed the embedded default once,
and turn a dead or wrong database into one clear line."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from app.cli.errors import CommandFailed, UsageError
from app.db.engine import make_engine
from app.db.migrate import ensure_current
from app.settings import is_default_database, resolve_db_url


def open_database(db: str | None, *, seed_default: bool = True) -> Engine:
    url = resolve_db_url(db)
    _supported(url)
    try:
        changed = ensure_current(url)
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise UsageError(f"not a database URL: {url!r} ({exc})") from None
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise CommandFailed(f"cannot use the database at {_safe(url)}: {reason}") from None
    if changed and seed_default and is_default_database(url):
        from app.demo import seed

        seed(engine)
    return engine


def _supported(url: str) -> None:
    """SQLite and PostgreSQL are the two engines Batchdesk runs on; any other URL is a usage
    error said as such (it used to end in a traceback about a missing driver)."""
    from sqlalchemy.engine import make_url

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise UsageError(f"not a database URL: {url!r} ({exc})") from None
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise UsageError(f"unsupported database {backend!r} in {_safe(url)}; use a SQLite file "
                         "(sqlite:///PATH) or PostgreSQL (postgresql://USER@HOST/NAME)")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
