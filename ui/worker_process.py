"""A local worker whose jobs run in a child process (the "worker processes" choice in
Settings): a QThread that starts `app.engine.child`, reads its event lines and relays them
through the same signals as an in-process worker thread.

Why offer it: job code in the console's process shares the interpreter lock with the GUI
thread; in a child it shares nothing. A child that dies is reported (`died`) so the console
can replace it; the run it held is ended or re-queued by orphan recovery.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from PySide6.QtCore import QThread, Signal
from sqlalchemy import Engine

import app
from app.engine.child import DB_ENV
from app.engine.context import ProgressSnapshot
from ui.worker_run import LocalRun

log = logging.getLogger(__name__)


def child_command() -> list[str]:
    """How to start a worker process: the frozen app's own `worker --child`, else the module."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "worker", "--child"]
    return [sys.executable, "-m", "app.engine.child"]


def child_env(engine: Engine) -> dict[str, str]:
    """The database URL travels in the environment (never on a command line `ps` shows), and
    the child imports this very code."""
    env = dict(os.environ)
    env[DB_ENV] = engine.url.render_as_string(hide_password=False)
    root = str(Path(app.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ProcessWorkerThread(QThread):
    context_changed = Signal(object)  # LocalRun | None
    run_finished = Signal(int, str)  # run id, status ('' when lost to recovery or released)
    died = Signal(int)  # exit code of a child that ended without being asked to

    def __init__(self, engine: Engine, index: int, command: list[str] | None = None) -> None:
        super().__init__()
        self.index = index
        self.setObjectName(f"worker-{index}")
        self.command = command or child_command()
        self.env = child_env(engine)
        self.name = ""
        self.pid = 0
        self.stopping = False
        self.started_at = time.monotonic()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._current: LocalRun | None = None
        self._snapshot: ProgressSnapshot | None = None

    # ------------------------------------------------------------ the supervising thread
    def run(self) -> None:
        self.started_at = time.monotonic()
        with self._lock:
            try:
                proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self.env,
                                        text=True, encoding="utf-8", bufsize=1)
            except OSError as exc:
                log.error("worker process could not start: %s", exc)
                self.died.emit(-1)
                return
            self._proc, self.pid = proc, proc.pid
            if self.stopping:
                self._write("stop")
        assert proc.stdout is not None
        self._relay(proc.stdout)
        code = proc.wait()
        self._current = self._snapshot = None
        if not self.stopping:
            log.warning("worker process %s ended unexpectedly (exit %s)", proc.pid, code)
            self.died.emit(code)

    def _relay(self, lines: IO[str]) -> None:
        for raw in lines:
            try:
                event = json.loads(raw)
            except ValueError:
                log.warning("worker process %s said %r", self.pid, raw.rstrip())
                continue
            kind = event.pop("event", "")
            if kind == "progress":
                self._snapshot = ProgressSnapshot(**event)
            elif kind == "started":
                self._current, self._snapshot = LocalRun(int(event["run"]), str(event["worker"])), None
                self.context_changed.emit(self._current)
            elif kind == "finished":
                self._current = self._snapshot = None
                self.context_changed.emit(None)
                self.run_finished.emit(int(event["run"]), str(event["status"]))
            elif kind == "ready":
                self.name = str(event["worker"])

    # ------------------------------------------------------------ commands (GUI thread)
    def _write(self, line: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.closed:
            return
        try:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, ValueError):  # it is ending anyway
            pass

    def send(self, line: str) -> None:
        with self._lock:
            self._write(line)

    @property
    def current(self) -> LocalRun | None:
        return self._current

    @property
    def ready(self) -> bool:
        """The child has started and named itself."""
        return bool(self.name)

    def snapshot(self) -> ProgressSnapshot | None:
        snap, run = self._snapshot, self._current
        return snap if snap is not None and run is not None and snap.run_id == run.run_id else None

    def stop(self) -> None:
        """Take no new run; end after the current one."""
        with self._lock:
            self.stopping = True
            self._write("stop")

    def cancel(self, run_id: int | None = None) -> None:
        self.send("cancel" if run_id is None else f"cancel {run_id}")

    def release(self) -> None:
        self.send("release")

    def finish(self, timeout_ms: int | None = None) -> None:
        """Wait for the child to end (killing it after timeout_ms; recovery ends its run)."""
        self.stop()
        with self._lock:
            if self._proc is not None and self._proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    self._proc.stdin.close()  # end of input: the child stops too
        if timeout_ms is not None and not self.wait(timeout_ms) and self._proc is not None:
            log.warning("worker process %s did not stop in time; killing it", self._proc.pid)
            self._proc.kill()
        self.wait()
