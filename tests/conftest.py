"""Shared fixtures: fresh databases on both backends, a CLI runner, and a thread-leak guard.

Why it is built this way:
- Every database test runs on SQLite *and* PostgreSQL (`backend` is parametrized), because
  the product ships on both and they differ (locking, LISTEN/NOTIFY, COPY, types).
- Migrating a schema per test is slow, so each kind of database is migrated (and seeded)
  once per session into a template, and each test gets a cheap copy: a file copy on
  SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL (tens of milliseconds).
- PostgreSQL is a throwaway cluster started by `tests/pg_server.py`; when it cannot start
  the PostgreSQL half is skipped locally, but fails under CI or BATCHDESK_REQUIRE_PG=1, so
  a broken install can never pass as "all green".
- The app runs scheduler and worker threads; a test that leaves one behind would make
  later tests flaky, so each test must end with no thread it started still alive.

Interfaces expected from the app (imported lazily, so this file loads without them):
`app.db.migrate.upgrade(url)`, `app.db.engine.make_engine(url) -> Engine`,
`app.demo.seed(engine, small=True)`, and `python -m app.cli.main [--db URL] ARGS...`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

# Before anything imports Qt (pytest-qt picks its binding in pytest_configure, after this).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTEST_QT_API", "pyside6")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.pg_server import PgServer, PgServerError  # noqa: E402

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Engine

Backend = Literal["sqlite", "postgresql"]
TemplateKind = Literal["empty", "demo"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql")

#: How long a thread started by a test may take to finish after the test.
THREAD_GRACE_S = 5.0
#: Threads that are not ours to join: Qt/debugger internals, and foreign threads (e.g. a
#: QThread that ran Python code) that Python 3.11 keeps listed as "Dummy-N" forever.
_IGNORED_THREADS = re.compile(r"^(QDSThread|pydevd|asyncio_|Dummy-)|^Thread-\d+ \(_monitor\)$")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def pg_required() -> bool:
    """True when a missing PostgreSQL must fail the run instead of skipping its tests."""
    return _flag("BATCHDESK_REQUIRE_PG") or _flag("CI")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_thread_leak: this test may leave threads running (opt out of the guard)"
    )


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL cluster per session (per xdist worker)."""
    server = PgServer()
    reason = ""
    try:
        server.start()
    except (PgServerError, OSError, subprocess.SubprocessError) as exc:
        reason = f"PostgreSQL could not be started: {exc}"
    if reason:  # outside the except block, so the report is the reason, not a traceback chain
        if pg_required():
            pytest.fail(reason + "\n(BATCHDESK_REQUIRE_PG or CI is set, so this is an error)", pytrace=False)
        pytest.skip(reason.splitlines()[0] + " (set BATCHDESK_REQUIRE_PG=1 to make this an error)")
    try:
        yield server
    finally:
        server.stop()


def _pg_admin(pg: PgServer) -> psycopg.Connection[tuple[object, ...]]:
    import psycopg

    return psycopg.connect(pg.conninfo("postgres"), autocommit=True, connect_timeout=10)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- templates


class DatabaseTemplates:
    """Migrated (and optionally demo-seeded) templates, built lazily once per session.

    A failed build is remembered and re-raised, so a broken migration costs one attempt,
    not one per test.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._built: dict[tuple[Backend, TemplateKind], str] = {}
        self._failed: dict[tuple[Backend, TemplateKind], BaseException] = {}
        self._counter = itertools.count(1)

    def _once(self, key: tuple[Backend, TemplateKind], build: Callable[[], str]) -> str:
        if key in self._failed:
            raise self._failed[key]
        if key not in self._built:
            try:
                self._built[key] = build()
            except Exception as exc:
                self._failed[key] = exc
                raise
        return self._built[key]

    # SQLite ------------------------------------------------------------------------

    def sqlite_template(self, kind: TemplateKind) -> Path:
        return Path(self._once(("sqlite", kind), lambda: str(self._build_sqlite(kind))))

    def _build_sqlite(self, kind: TemplateKind) -> Path:
        path = self.workdir / f"template-{kind}.sqlite3"
        path.unlink(missing_ok=True)
        if kind == "empty":
            from app.db.migrate import upgrade

            upgrade(f"sqlite:///{path}")
        else:
            shutil.copyfile(self.sqlite_template("empty"), path)
            _seed_demo(f"sqlite:///{path}")
        _sqlite_checkpoint(path)
        return path

    def new_sqlite(self, kind: TemplateKind, dest_dir: Path) -> str:
        dest = dest_dir / f"batchdesk-{kind}.sqlite3"
        shutil.copyfile(self.sqlite_template(kind), dest)
        return f"sqlite:///{dest}"

    # PostgreSQL --------------------------------------------------------------------

    def pg_template(self, pg: PgServer, kind: TemplateKind) -> str:
        return self._once(("postgresql", kind), lambda: self._build_pg(pg, kind))

    def _build_pg(self, pg: PgServer, kind: TemplateKind) -> str:
        name = "bd_template" if kind == "empty" else "bd_demo_template"
        with _pg_admin(pg) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)}")
            if kind == "empty":
                conn.execute(f"CREATE DATABASE {_quote_ident(name)}")
            else:
                source = self.pg_template(pg, "empty")
                conn.execute(f"CREATE DATABASE {_quote_ident(name)} TEMPLATE {_quote_ident(source)}")
        if kind == "empty":
            from app.db.migrate import upgrade

            upgrade(pg.url(name))
        else:
            _seed_demo(pg.url(name))
        with _pg_admin(pg) as conn:
            # No one may connect to a template any more: CREATE DATABASE ... TEMPLATE
            # refuses to copy a database that has other sessions.
            conn.execute(f"ALTER DATABASE {_quote_ident(name)} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true")
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        return name

    def new_pg(self, pg: PgServer, kind: TemplateKind) -> str:
        """Create a fresh database from the template and return its name."""
        template = self.pg_template(pg, kind)
        name = f"t_{next(self._counter)}"
        with _pg_admin(pg) as conn:
            # FILE_COPY is faster than the default WAL_LOG for small templates (PG 15+).
            strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(f"CREATE DATABASE {_quote_ident(name)} TEMPLATE {_quote_ident(template)}{strategy}")
        return name

    @staticmethod
    def drop_pg(pg: PgServer, name: str) -> None:
        with _pg_admin(pg) as conn:
            if conn.info.server_version >= 130000:
                conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
            else:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
                )
                conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)}")


def _seed_demo(url: str) -> None:
    from app import demo
    from app.db.engine import make_engine

    engine = make_engine(url)
    try:
        demo.seed(engine, small=True)
    finally:
        engine.dispose()


def _sqlite_checkpoint(path: Path) -> None:
    """Fold any WAL into the main file so that copying the one file copies everything."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory: pytest.TempPathFactory) -> DatabaseTemplates:
    return DatabaseTemplates(tmp_path_factory.mktemp("db-templates"))


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """The database engine under test. Narrow one test with
    `@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)`."""
    value: Backend = request.param
    return value


def _fresh_db(
    request: pytest.FixtureRequest,
    backend: Backend,
    kind: TemplateKind,
    templates: DatabaseTemplates,
    tmp_path: Path,
) -> Iterator[str]:
    if backend == "sqlite":
        yield templates.new_sqlite(kind, tmp_path)
        return
    pg: PgServer = request.getfixturevalue("pg_server")
    name = templates.new_pg(pg, kind)
    try:
        yield pg.url(name)
    finally:
        templates.drop_pg(pg, name)


@pytest.fixture
def db_url(
    request: pytest.FixtureRequest, backend: Backend, db_templates: DatabaseTemplates, tmp_path: Path
) -> Iterator[str]:
    """URL of a fresh, fully migrated, empty database of this test's own."""
    yield from _fresh_db(request, backend, "empty", db_templates, tmp_path)


@pytest.fixture
def demo_db_url(
    request: pytest.FixtureRequest, backend: Backend, db_templates: DatabaseTemplates, tmp_path: Path
) -> Iterator[str]:
    """URL of a fresh database of this test's own holding the small demo data set."""
    yield from _fresh_db(request, backend, "demo", db_templates, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The app's own Engine on `db_url` (its pragmas and pool settings, not a bare one)."""
    from app.db.engine import make_engine

    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def demo_engine(demo_db_url: str) -> Iterator[Engine]:
    from app.db.engine import make_engine

    eng = make_engine(demo_db_url)
    try:
        yield eng
    finally:
        eng.dispose()


# --------------------------------------------------------------------------- CLI


class CliRunner:
    """Runs `python -m app.cli.main` in a child process with a private home.

    `BATCHDESK_HOME` and the XDG directories point into the test's tmp_path and
    BATCHDESK_DB is removed, so a test never touches the user's data or shared database.
    """

    def __init__(self, home: Path, db: str | None = None) -> None:
        self.home = home
        self.db = db  # default for --db; None lets the CLI use its embedded SQLite in home

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "BATCHDESK_DB"}
        env.update(
            BATCHDESK_HOME=str(self.home),
            XDG_DATA_HOME=str(self.home / "xdg-data"),
            XDG_CONFIG_HOME=str(self.home / "xdg-config"),
            XDG_CACHE_HOME=str(self.home / "xdg-cache"),
            XDG_STATE_HOME=str(self.home / "xdg-state"),
            QT_QPA_PLATFORM="offscreen",
            PYTHONUTF8="1",
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        )
        if extra:
            env.update(extra)
        return env

    def __call__(
        self,
        *args: str,
        db: str | None = None,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 100.0,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run `batchdesk [--db URL] ARGS...`; returns the CompletedProcess (text)."""
        url = db if db is not None else self.db
        cmd = [sys.executable, "-m", "app.cli.main", *(["--db", url] if url else []), *args]
        result = subprocess.run(
            cmd,
            cwd=self.home,
            env=self.env(env),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(cmd)} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return CliRunner(home)


# --------------------------------------------------------------------------- threads


#: Threads started while setting up session/module/class fixtures: they belong to that
#: fixture's lifetime, not to the test that happened to request it first.
_WIDER_SCOPE_THREADS: set[threading.Thread] = set()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    if fixturedef.scope == "function":
        return (yield)
    before = set(threading.enumerate())
    try:
        return (yield)
    finally:
        _WIDER_SCOPE_THREADS.update(set(threading.enumerate()) - before)


def _ignored_thread(t: threading.Thread) -> bool:
    return (
        t in _WIDER_SCOPE_THREADS
        or isinstance(t, threading._DummyThread)
        or bool(_IGNORED_THREADS.match(t.name))
    )


@pytest.fixture(autouse=True)
def thread_leak_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a thread it started running THREAD_GRACE_S after it ends.

    Autouse fixtures are set up first and torn down last, so the app's fixtures (engines,
    workers, qtbot) have been finalised by the time we look.
    """
    before = set(threading.enumerate())
    yield
    if request.node.get_closest_marker("allow_thread_leak"):
        return
    started = [t for t in threading.enumerate() if t not in before and not _ignored_thread(t)]
    deadline = time.monotonic() + THREAD_GRACE_S
    for t in started:
        t.join(max(0.0, deadline - time.monotonic()))
    alive = [t for t in started if t.is_alive()]
    if alive:
        names = ", ".join(f"{t.name!r} ({'daemon' if t.daemon else 'non-daemon'})" for t in alive)
        pytest.fail(
            f"test left {len(alive)} thread(s) running {THREAD_GRACE_S:.0f}s after it ended: {names}",
            pytrace=False,
        )


# --------------------------------------------------------------------------- proof PG ran

_PG_PASSED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "[postgresql" in report.nodeid:
        _PG_PASSED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI a suite in which no PostgreSQL test passed is a failure, whatever else passed:
    skipping half the product must never look green."""
    collected_pg = any("[postgresql" in item.nodeid for item in session.items)
    if pg_required() and collected_pg and not _PG_PASSED and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nFAILED: no PostgreSQL test passed, but CI requires the PostgreSQL half to run", file=sys.stderr)
