"""A throwaway PostgreSQL cluster for tests and benchmarks.

Why this exists: the suite must run every database test on PostgreSQL as well as SQLite,
on any machine that has the server binaries, without a running service, a fixed port or
a password. Debian keeps `initdb`/`pg_ctl` off PATH and `initdb` refuses to run as root,
so this module finds the binaries, and when we are root it runs them as the `postgres`
user through `runuser`. The cluster is tuned for speed, not durability (fsync off), and
lives in RAM (/dev/shm) when it can: see `default_parent_dir()`. Benchmarks that want
disk-backed numbers pass `parent_dir="/tmp"` (or set BATCHDESK_PG_TMPDIR).

Usage::

    with PgServer() as pg:
        engine = create_engine(pg.url("postgres"))

Benchmarks reuse `pg_bin_dir()` to find `psql`.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from app.engine.scratch import pid_alive

__all__ = ["PgServer", "PgServerError", "default_parent_dir", "free_port", "pg_bin_dir", "reap_orphans"]

#: How long one `initdb` or `pg_ctl start` may take before we give up.
START_TIMEOUT_S = 60

_SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
)


class PgServerError(RuntimeError):
    """PostgreSQL could not be found, initialised or started; the message says why."""


def _version_key(path: str) -> tuple[int, ...]:
    """Sort /usr/lib/postgresql/<version>/bin numerically, so 16 beats 9.6."""
    m = re.search(r"/postgresql/([0-9.]+)/bin", path)
    return tuple(int(p) for p in m.group(1).split(".") if p) if m else (0,)


def pg_bin_dir() -> Path:
    """Return the directory holding `initdb`, `pg_ctl` and `psql`.

    `pg_config --bindir` wins when it points at a directory with `initdb` (on Debian it
    may belong to libpq-dev and name a client-only directory); otherwise the highest
    version under /usr/lib/postgresql/*/bin; otherwise whatever `initdb` is on PATH.
    """
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out and (Path(out) / "initdb").is_file():
                return Path(out)
    candidates = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.isfile(f"{d}/initdb")]
    if candidates:
        return Path(max(candidates, key=_version_key))
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise PgServerError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the 'postgresql' "
        "package (Debian: apt-get install postgresql) or put its bin directory on PATH"
    )


def free_port() -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1 (never assume 5432)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def default_parent_dir() -> Path:
    """Where the throwaway cluster lives: $BATCHDESK_PG_TMPDIR, else /dev/shm, else /tmp.

    RAM-backed /dev/shm matters: CREATE DATABASE ... TEMPLATE creates and deletes hundreds
    of files, which took ~300 ms per test database on this VM's disk and ~40 ms on tmpfs.
    /dev/shm is used only when it is writable and has at least 2 GiB free.
    """
    override = os.environ.get("BATCHDESK_PG_TMPDIR")
    if override:
        return Path(override)
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        st = os.statvfs(shm)
        if os.access(shm, os.W_OK | os.X_OK) and st.f_bavail * st.f_frsize >= 2 << 30:
            return shm
    return Path(tempfile.gettempdir())



def reap_orphans(parent_dir: Path) -> None:
    """Stop and delete clusters left by killed processes (their owner pid is gone).

    A SIGKILLed test run cannot stop its server; on tmpfs the leftovers would hold RAM.
    """
    for base in parent_dir.glob("bdpg-*"):
        try:
            owner = int((base / "owner.pid").read_text().strip())
        except (OSError, ValueError):
            continue
        if pid_alive(owner):
            continue
        orphan = PgServer(parent_dir=parent_dir)
        orphan.base_dir = base
        with contextlib.suppress(Exception):
            orphan.stop()


class PgServer:
    """One private PostgreSQL cluster in a temporary directory, on a free port.

    `start()` is idempotent and raises `PgServerError` (with the server log) on failure;
    `stop()` kills the server at once and deletes every file it made.
    """

    user = "postgres"
    host = "127.0.0.1"

    def __init__(
        self,
        bin_dir: Path | None = None,
        *,
        parent_dir: str | os.PathLike[str] | None = None,
        timeout: float = START_TIMEOUT_S,
    ) -> None:
        self._bin_dir = bin_dir
        self.parent_dir = Path(parent_dir) if parent_dir is not None else default_parent_dir()
        self.timeout = timeout
        self.port: int = 0
        self.base_dir: Path | None = None
        self.started = False
        self.startup_seconds: float = 0.0

    # -- paths -----------------------------------------------------------------------

    @property
    def bin_dir(self) -> Path:
        if self._bin_dir is None:
            self._bin_dir = pg_bin_dir()
        return self._bin_dir

    def _require_base(self) -> Path:
        if self.base_dir is None:
            raise PgServerError("PgServer is not started")
        return self.base_dir

    @property
    def data_dir(self) -> Path:
        return self._require_base() / "data"

    @property
    def socket_dir(self) -> Path:
        return self._require_base() / "sock"

    @property
    def log_file(self) -> Path:
        return self._require_base() / "server.log"

    # -- URLs ------------------------------------------------------------------------

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of database `dbname` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    @property
    def admin_url(self) -> str:
        """URL of the `postgres` maintenance database, for CREATE/DROP DATABASE."""
        return self.url("postgres")

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq connection string for plain psycopg/psql use."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    # -- running commands ------------------------------------------------------------

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        """Run a server binary, as `postgres` via runuser when we are root."""
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root():
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            cmd = [runuser, "-u", self.user, "--", *cmd]
        # Strip PG* (a stray PGPORT/PGDATA must not redirect us) and the caller's locale
        # (it may not exist here); initdb gets its locale from --locale.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LC_", "LANG"))}
        env["LC_ALL"] = "C"
        # cwd: the postgres user may not be allowed into ours (/root).
        return subprocess.run(
            cmd,
            cwd=str(self._require_base()),
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _log_tail(self, limit: int = 4000) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return text[-limit:] if text else "(server log is empty)"

    # -- lifecycle -------------------------------------------------------------------

    def _make_dirs(self) -> None:
        base = Path(tempfile.mkdtemp(prefix="bdpg-", dir=self.parent_dir))
        base.chmod(0o755)  # the postgres user must be able to traverse it
        self.base_dir = base
        (base / "owner.pid").write_text(f"{os.getpid()}\n")
        (base / "sock").mkdir()
        self.log_file.touch()
        if self._as_root():
            try:
                pw = pwd.getpwnam(self.user)
            except KeyError as exc:
                raise PgServerError(
                    f"running as root but there is no '{self.user}' user to run PostgreSQL as"
                ) from exc
            for p in (base, base / "sock", self.log_file):
                os.chown(p, pw.pw_uid, pw.pw_gid)

    def _initdb(self) -> None:
        last = ""
        for locale in ("C.UTF-8", "C"):
            if self.data_dir.exists():
                shutil.rmtree(self.data_dir, ignore_errors=True)
            res = self._run(
                [
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "--auth=trust",
                    "--no-sync",
                    "-U",
                    self.user,
                    "-E",
                    "UTF8",
                    f"--locale={locale}",
                ],
                timeout=self.timeout,
            )
            if res.returncode == 0:
                return
            last = (res.stdout + res.stderr).strip()
        raise PgServerError(f"initdb failed:\n{last}")

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        opts = " ".join((f"-p {self.port}", f"-k {self.socket_dir}", *_SERVER_OPTIONS))
        return self._run(
            [
                "pg_ctl",
                "-w",
                "-t",
                str(int(self.timeout)),
                "-D",
                str(self.data_dir),
                "-o",
                opts,
                "-l",
                str(self.log_file),
                "start",
            ],
            timeout=self.timeout + 10,
        )

    def start(self) -> PgServer:
        """Create and start the cluster; retry on a port lost to another process."""
        if self.started:
            return self
        t0 = time.monotonic()
        with contextlib.suppress(OSError):
            reap_orphans(self.parent_dir)
        try:
            self._make_dirs()
            self._initdb()
            res: subprocess.CompletedProcess[str] | None = None
            for _attempt in range(3):
                self.port = free_port()
                res = self._pg_ctl_start()
                if res.returncode == 0:
                    break
                log = self._log_tail()
                if "could not bind" not in log and "Address already in use" not in log:
                    break
            assert res is not None
            if res.returncode != 0:
                raise PgServerError(
                    f"pg_ctl start failed (exit {res.returncode}):\n{(res.stdout + res.stderr).strip()}\n"
                    f"--- server log ({self.log_file}) ---\n{self._log_tail()}"
                )
        except subprocess.TimeoutExpired as exc:
            msg = f"PostgreSQL did not start within {self.timeout:.0f}s ({exc.cmd!r})\n{self._log_tail()}"
            self.stop()
            raise PgServerError(msg) from exc
        except BaseException:
            self.stop()
            raise
        self.started = True
        self.startup_seconds = time.monotonic() - t0
        atexit.register(self.stop)  # a forgotten stop() must not leave a server running
        return self

    def stop(self) -> None:
        """Stop the server immediately (no checkpoint: the data is thrown away) and clean up."""
        base = self.base_dir
        if base is None:
            return
        if (base / "data" / "postmaster.pid").exists():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._run(["pg_ctl", "-D", str(base / "data"), "-m", "immediate", "-w", "stop"], timeout=30)
        shutil.rmtree(base, ignore_errors=True)
        self.base_dir = None
        self.started = False
        atexit.unregister(self.stop)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"port {self.port}" if self.started else "stopped"
        return f"<PgServer {state} base={self.base_dir}>"
