"""A worker in its own process, driven by a console over stdin and stdout.

Why a process: a job's Python code and the console's GUI thread would otherwise share one
interpreter lock, and twenty busy jobs make the window stutter. The console starts one of
these per local worker; the job runs here, and the console only reads a few short lines.

Commands on stdin, one per line: `stop` (take no new run, exit after the current one),
`cancel` or `cancel ID` (stop the current run at its next check, keeping its work),
`release` (the console handed the run back to the queue: drop it at once). End of input —
the console closed or died — counts as `stop`.

Events on stdout, one JSON object per line: `ready` (with the worker name), `started` and
`finished` for each run, and `progress` (the run's counters) at most `PROGRESS_HZ` times a
second while they change. A killed child's run is found by the usual orphan recovery.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
import threading
from typing import IO, Any

from sqlalchemy import Engine

from app.engine.context import JobContext, ProgressSnapshot
from app.engine.status import RunStatus
from app.engine.worker import Worker, worker_name

log = logging.getLogger(__name__)
PROGRESS_HZ = 5
DB_ENV = "BATCHDESK_DB"


class ChildWorker:
    """The worker loop plus the two small threads that talk to the console."""

    def __init__(self, engine: Engine, out: IO[str], name: str | None = None) -> None:
        self.out = out
        self.stop_event = threading.Event()
        self._write_lock = threading.Lock()
        self._ctx: JobContext | None = None
        self._done = threading.Event()
        self.worker = Worker(engine, name or worker_name(), self.stop_event,
                             on_context=self._context, on_finished=self._finished)

    # ------------------------------------------------------------ events out
    def emit(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, **fields}, separators=(",", ":"))
        with self._write_lock:
            try:
                self.out.write(line + "\n")
                self.out.flush()
            except (BrokenPipeError, ValueError):  # the console is gone: finish quietly
                self.stop_event.set()

    def _context(self, ctx: JobContext | None) -> None:
        self._ctx = ctx
        if ctx is not None:
            self.emit("started", run=ctx.run_id, worker=ctx.worker)

    def _finished(self, run_id: int, status: RunStatus | None) -> None:
        self.emit("finished", run=run_id, status=status.value if status else "")

    def _report(self) -> None:
        last: ProgressSnapshot | None = None
        while not self._done.wait(1 / PROGRESS_HZ):
            ctx = self._ctx
            if ctx is None:
                last = None
                continue
            snap = ctx.snapshot()
            if last is None or dataclasses.replace(snap, elapsed=last.elapsed) != last:
                self.emit("progress", **dataclasses.asdict(snap))
                last = snap

    # ------------------------------------------------------------ commands in
    def command(self, line: str) -> None:
        verb, _, arg = line.strip().partition(" ")
        ctx = self._ctx
        if verb == "stop":
            self.stop_event.set()
        elif verb == "cancel" and ctx is not None and (not arg or arg == str(ctx.run_id)):
            ctx.cancel_event.set()
        elif verb == "release" and ctx is not None:
            ctx.lost_event.set()
        elif verb not in ("cancel", "release"):
            log.warning("worker %s: unknown command %r", self.worker.name, line.strip())

    def _read(self, source: IO[str]) -> None:
        for line in source:
            self.command(line)
        self.stop_event.set()  # end of input: the console is gone

    # ------------------------------------------------------------ main
    def serve(self, source: IO[str]) -> None:
        threading.Thread(target=self._read, args=(source,), name="console-commands", daemon=True).start()
        reporter = threading.Thread(target=self._report, name="progress-reporter", daemon=True)
        reporter.start()
        self.emit("ready", worker=self.worker.name, pid=os.getpid())
        try:
            self.worker.loop()
        finally:
            self._done.set()
            reporter.join()


def main() -> int:
    """Entry point of the child process (`python -m app.engine.child`); the database URL
    comes in the environment, never on the command line where `ps` would show a password."""
    from app.db.engine import make_engine

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s worker %(process)d %(name)s: %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the console's terminal is the console's to handle
    url = os.environ.get(DB_ENV)
    if not url:
        print(f"batchdesk worker: {DB_ENV} is not set", file=sys.stderr)
        return 2
    # Keep stdout for events only: anything a job prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    engine = make_engine(url)
    child = ChildWorker(engine, out)
    signal.signal(signal.SIGTERM, lambda *_: child.stop_event.set())
    try:
        child.serve(sys.stdin)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
