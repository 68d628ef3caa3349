"""Embedded workers: each one a QThread driving the core's `Worker.loop`, reporting through
Qt signals, plus the daily scheduler beside them.

The job code runs on the worker threads, never on the GUI thread. The window samples the
running jobs' in-memory snapshots on a timer instead of being called on every row.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal
from sqlalchemy import Engine

from app.api.runs import release_runs
from app.engine.context import JobContext, ProgressSnapshot
from app.engine.scheduler import DailyScheduler
from app.engine.status import RunStatus
from app.engine.worker import Worker, worker_name


class WorkerThread(QThread):
    """One embedded worker. Its callbacks fire on this thread; signals carry them to the GUI."""

    context_changed = Signal(object)  # JobContext | None
    run_finished = Signal(int, str)  # run id, status ('' when lost to recovery)

    def __init__(self, engine: Engine, index: int) -> None:
        super().__init__()
        self.stop_event = threading.Event()
        self.worker = Worker(engine, worker_name(index), self.stop_event,
                             on_context=self.context_changed.emit, on_finished=self._finished)
        self.setObjectName(f"worker-{index}")

    def _finished(self, run_id: int, status: RunStatus | None) -> None:
        self.run_finished.emit(run_id, status.value if status else "")

    def run(self) -> None:
        self.worker.loop()

    @property
    def current(self) -> JobContext | None:
        return self.worker.current


class LocalWorkers(QObject):
    """The console's worker threads and scheduler; `stop` always joins everything."""

    changed = Signal()  # count or busy changed
    run_finished = Signal(int, str)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.threads: list[WorkerThread] = []
        self.retiring: list[WorkerThread] = []  # asked to stop, finishing their current run
        self.scheduler: DailyScheduler | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self, count: int, *, scheduler: bool = True) -> None:
        self.resize(count)
        if scheduler and self.scheduler is None:
            self.scheduler = DailyScheduler(self.engine)
            self.scheduler.start()

    def resize(self, count: int) -> None:
        """Grow now; shrink by letting the extra workers finish their current run."""
        count = max(0, count)
        while len(self.threads) < count:
            thread = WorkerThread(self.engine, self._free_index())
            thread.context_changed.connect(self.changed)
            thread.run_finished.connect(self.run_finished)
            thread.start()
            self.threads.append(thread)
        for thread in self.threads[count:]:
            # never wait on the GUI thread: the worker ends after its current run
            thread.stop_event.set()
            thread.finished.connect(lambda t=thread: self._retired(t))
            self.retiring.append(thread)
        del self.threads[count:]
        self.changed.emit()

    def _retired(self, thread: WorkerThread) -> None:
        if thread in self.retiring:
            thread.wait()
            self.retiring.remove(thread)
            self.changed.emit()

    def _free_index(self) -> int:
        used = {int(t.objectName().rsplit("-", 1)[1]) for t in self.threads + self.retiring}
        return next(i for i in range(len(used) + 1) if i not in used)

    def drain(self) -> None:
        """Take no new runs; the ones running go on to their end."""
        if self.scheduler is not None:
            self.scheduler.shutdown()
            self.scheduler = None
        for thread in self.threads + self.retiring:
            thread.stop_event.set()

    def stop(self, *, cancel_running: bool = False, release_running: bool = False) -> None:
        """Stop taking work and join every thread. Running jobs finish, are cancelled
        (keeping what they did), or are handed back to the queue for another worker."""
        self.drain()
        contexts = self.running()
        if release_running and contexts:
            release_runs(self.engine, [(c.run_id, c.worker) for c in contexts])
            for ctx in contexts:
                ctx.lost_event.set()
        elif cancel_running:
            for ctx in contexts:
                ctx.cancel_event.set()
        for thread in self.threads + self.retiring:
            thread.wait()
        self.threads.clear()
        self.retiring.clear()
        self.changed.emit()

    # ------------------------------------------------------------ state
    @property
    def count(self) -> int:
        return len(self.threads)

    def running(self) -> list[JobContext]:
        return [ctx for t in self.threads + self.retiring if (ctx := t.current) is not None]

    def snapshots(self) -> dict[int, ProgressSnapshot]:
        return {ctx.run_id: ctx.snapshot() for ctx in self.running()}

    def cancel_local(self, run_ids: list[int]) -> None:
        """Runs of this process stop at their next check at once, not at the next heartbeat."""
        for ctx in self.running():
            if ctx.run_id in run_ids:
                ctx.cancel_event.set()

    def context_for(self, run_id: int) -> JobContext | None:
        return next((c for c in self.running() if c.run_id == run_id), None)

    def next_scheduled(self) -> str:
        when = self.scheduler.next_run_time() if self.scheduler else None
        return when.strftime("%Y-%m-%d %H:%M") if when else ""
