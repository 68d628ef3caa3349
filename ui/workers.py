"""Embedded workers: each one a QThread that drives the core's `Worker.loop` and reports
through Qt signals, plus the daily scheduler beside them.

Where the job code runs is a choice (Settings → Local workers): on the worker thread itself
(the default), or in a child process that the thread supervises (`ui.worker_process`), so a
busy job never holds the interpreter lock the GUI thread needs. Either way the window samples
the running jobs' progress snapshots on a timer instead of being called on every row.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from sqlalchemy import Engine

from app.api.runs import cancel_runs, release_runs
from app.engine.context import JobContext, ProgressSnapshot
from app.engine.scheduler import DailyScheduler
from app.engine.status import RunStatus
from app.engine.worker import Worker, worker_name
from ui.worker_process import ProcessWorkerThread
from ui.worker_run import LocalRun

THREADS, PROCESSES = "threads", "processes"
MODES = {THREADS: "Worker threads", PROCESSES: "Worker processes"}
STOP_TIMEOUT_MS = 30_000  # a child whose job never checks its stop flag is killed after this
RELEASE_TIMEOUT_MS = 5_000  # a released run is queued already: don't wait long for its child
RESPAWN_MS = 1_000


class WorkerThread(QThread):
    """One embedded worker running its jobs on this thread. Its callbacks fire here;
    signals carry them to the GUI."""

    context_changed = Signal(object)  # LocalRun | None
    run_finished = Signal(int, str)  # run id, status ('' when lost to recovery)
    died = Signal(int)  # never: a thread does not die on its own (kept for one interface)

    def __init__(self, engine: Engine, index: int) -> None:
        super().__init__()
        self.index = index
        self.stop_event = threading.Event()
        self.worker = Worker(engine, worker_name(index), self.stop_event,
                             on_context=self._context, on_finished=self._finished)
        self.setObjectName(f"worker-{index}")

    def _context(self, ctx: JobContext | None) -> None:
        self.context_changed.emit(None if ctx is None else LocalRun(ctx.run_id, ctx.worker))

    def _finished(self, run_id: int, status: RunStatus | None) -> None:
        self.run_finished.emit(run_id, status.value if status else "")

    def run(self) -> None:
        self.worker.loop()

    @property
    def current(self) -> LocalRun | None:
        ctx = self.worker.current
        return None if ctx is None else LocalRun(ctx.run_id, ctx.worker)

    @property
    def ready(self) -> bool:
        """Connected and past its first look for work."""
        return self.worker.ready.is_set()

    def snapshot(self) -> ProgressSnapshot | None:
        ctx = self.worker.current
        return None if ctx is None else ctx.snapshot()

    def stop(self) -> None:
        self.stop_event.set()

    def cancel(self, run_id: int | None = None) -> None:
        ctx = self.worker.current
        if ctx is not None and run_id in (None, ctx.run_id):
            ctx.cancel_event.set()

    def release(self) -> None:
        ctx = self.worker.current
        if ctx is not None:
            ctx.lost_event.set()

    def finish(self, timeout_ms: int | None = None) -> None:  # noqa: ARG002 (a thread cannot be killed)
        self.stop()
        self.wait()


Slot = WorkerThread | ProcessWorkerThread


class LocalWorkers(QObject):
    """The console's worker threads and scheduler; `stop` always joins everything."""

    changed = Signal()  # count, busy or mode changed
    run_finished = Signal(int, str)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.mode = THREADS
        self.command: list[str] | None = None  # the child's command line (None: the product's own)
        self.threads: list[Slot] = []
        self.retiring: list[Slot] = []  # asked to stop, finishing their current run
        self.scheduler: DailyScheduler | None = None
        self._wanted = 0
        self._crashes = 0
        self._respawn = QTimer(self)
        self._respawn.setSingleShot(True)
        self._respawn.timeout.connect(lambda: self.resize(self._wanted))

    # ------------------------------------------------------------ lifecycle
    def start(self, count: int, *, scheduler: bool = True, mode: str = THREADS) -> None:
        self.mode = mode if mode in MODES else THREADS
        self.resize(count)
        if scheduler and self.scheduler is None:
            self.scheduler = DailyScheduler(self.engine)
            self.scheduler.start()

    def set_mode(self, mode: str) -> None:
        """Switch where jobs run: the current workers finish their run, new ones take over."""
        if mode == self.mode or mode not in MODES:
            return
        self.mode = mode
        count = len(self.threads)
        self.resize(0)
        self.resize(count)

    def resize(self, count: int) -> None:
        """Grow now; shrink by letting the extra workers finish their current run."""
        self._wanted = max(0, count)
        while len(self.threads) < self._wanted:
            self.threads.append(self._new_slot(self._free_index()))
        for thread in self.threads[self._wanted:]:
            # never wait on the GUI thread: the worker ends after its current run
            thread.stop()
            self.retiring.append(thread)
        del self.threads[self._wanted:]
        self.changed.emit()

    def _new_slot(self, index: int) -> Slot:
        slot: Slot = (ProcessWorkerThread(self.engine, index, self.command) if self.mode == PROCESSES
                      else WorkerThread(self.engine, index))
        slot.context_changed.connect(self.changed)
        slot.run_finished.connect(self.run_finished)
        slot.finished.connect(lambda s=slot: self._ended(s))
        slot.died.connect(lambda _code, s=slot: self._died(s))
        slot.start()
        return slot

    def _ended(self, slot: Slot) -> None:
        if slot in self.retiring:
            slot.wait()
            self.retiring.remove(slot)
            self.changed.emit()

    def _died(self, slot: Slot) -> None:
        """A worker process ended on its own: replace it, backing off if it keeps dying."""
        if slot not in self.threads:
            return
        self.threads.remove(slot)
        if slot.isRunning():
            self.retiring.append(slot)  # reaped when its thread ends
        quick = isinstance(slot, ProcessWorkerThread) and time.monotonic() - slot.started_at < 10
        self._crashes = self._crashes + 1 if quick else 0
        self._respawn.start(RESPAWN_MS * 2 ** min(self._crashes, 5))
        self.changed.emit()

    def _free_index(self) -> int:
        used = {t.index for t in self.threads + self.retiring}
        return next(i for i in range(len(used) + 1) if i not in used)

    def drain(self) -> None:
        """Take no new runs; the ones running go on to their end."""
        if self.scheduler is not None:
            self.scheduler.shutdown()
            self.scheduler = None
        self._wanted = 0
        self._respawn.stop()
        for thread in self.threads + self.retiring:
            thread.stop()

    def stop(self, *, cancel_running: bool = False, release_running: bool = False) -> None:
        """Stop taking work and join every thread (and reap every child). Running jobs
        finish, are cancelled (keeping what they did), or go back to the queue."""
        self.drain()
        slots = self.threads + self.retiring
        running = self.running()
        timeout = STOP_TIMEOUT_MS
        if release_running and running:
            release_runs(self.engine, [(r.run_id, r.worker) for r in running])
            for slot in slots:
                slot.release()
            timeout = RELEASE_TIMEOUT_MS
        elif cancel_running and running:
            for slot in slots:
                slot.cancel()
            cancel_runs(self.engine, [r.run_id for r in running])  # stored: says who, survives a kill
        for slot in slots:
            slot.finish(timeout)
        self.threads.clear()
        self.retiring.clear()
        self.changed.emit()

    # ------------------------------------------------------------ state
    @property
    def count(self) -> int:
        return len(self.threads)

    def running(self) -> list[LocalRun]:
        return [run for t in self.threads + self.retiring if (run := t.current) is not None]

    def snapshots(self) -> dict[int, ProgressSnapshot]:
        return {snap.run_id: snap for t in self.threads + self.retiring if (snap := t.snapshot()) is not None}

    def cancel_local(self, run_ids: list[int]) -> None:
        """Runs of this console stop at their next check at once, not at the next heartbeat."""
        for thread in self.threads + self.retiring:
            run = thread.current
            if run is not None and run.run_id in run_ids:
                thread.cancel(run.run_id)

    def context_for(self, run_id: int) -> LocalRun | None:
        return next((r for r in self.running() if r.run_id == run_id), None)

    def next_scheduled(self) -> str:
        when = self.scheduler.next_run_time() if self.scheduler else None
        return when.strftime("%Y-%m-%d %H:%M") if when else ""

