"""The worker loop: claim a run, execute it, wait for more; recover orphans on the way.

The same loop runs on plain threads (`batchdesk worker`) and inside the console's QThreads;
it reports through plain callbacks so the core needs no Qt.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from app.engine import notify, pg_queue
from app.engine.context import JobContext
from app.engine.executor import Heartbeat, execute_and_claim, release_heartbeat, shared_heartbeat
from app.engine.records import RunRecord
from app.engine.recovery import LEASE_SECONDS, recover_orphans
from app.engine.runs import claim, release
from app.engine.status import RunStatus
from app.engine.waiter import QueueWaiter

log = logging.getLogger(__name__)
RECOVERY_EVERY = 3.0


def worker_name(index: int = 0) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


class Worker:
    def __init__(
        self, engine: Engine, name: str, stop_event: threading.Event | None = None,
        *, on_context: Callable[[JobContext | None], None] | None = None,
        on_finished: Callable[[int, RunStatus | None], None] | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.engine = engine
        self.name = name
        self.stop_event = stop_event or threading.Event()
        self.on_context = on_context
        self.on_finished = on_finished
        self.lease_seconds = lease_seconds
        self.current: JobContext | None = None
        self._last_recovery = 0.0
        self._heartbeat: Heartbeat | None = None  # the process's, for the loop's life; run_once alone starts its own
        self._next: RunRecord | None = None  # claimed by the last finish, to run next
        # set once the loop is connected and has looked for work: from then on an idle worker
        # costs its process next to nothing (the console waits on it before measuring)
        self.ready = threading.Event()

    def _set_context(self, ctx: JobContext | None) -> None:
        self.current = ctx
        if self.on_context:
            self.on_context(ctx)

    def recover(self) -> None:
        if time.monotonic() - self._last_recovery < RECOVERY_EVERY:
            return
        self._last_recovery = time.monotonic()
        try:
            found = recover_orphans(self.engine, self.lease_seconds)
            if found:
                log.warning("recovered orphaned runs %s", found)
        except Exception as exc:
            log.warning("orphan recovery failed: %s", exc)

    def run_once(self) -> bool:
        """Claim and execute one run; False when the queue was empty. Inside `loop` the
        finish of a run also claims the next one (one round trip between two runs)."""
        run, self._next = self._next or claim(self.engine, self.name), None
        if run is None:
            return False
        hand_off = self._heartbeat is not None and not self.stop_event.is_set()
        status, self._next = execute_and_claim(self.engine, run, self.name, on_context=self._set_context,
                                               heartbeat=self._heartbeat, claim_next=hand_off)
        if self.on_finished:
            self.on_finished(run.id, status)
        return True

    def loop(self, *, until_empty: bool = False, idle_timeout: float = 1.0) -> None:
        """Work until stopped (or, with until_empty, until no run is pending)."""
        waiter = QueueWaiter(self.engine, self.stop_event)
        self._heartbeat = shared_heartbeat(self.engine)
        try:
            with pg_queue.dedicated(self.engine):
                self._work(waiter, until_empty, idle_timeout)
        finally:
            release_heartbeat(self._heartbeat)
            self._heartbeat = None
            self._hand_back()
            notify.flush(self.engine)
            waiter.close()

    def _work(self, waiter: QueueWaiter, until_empty: bool, idle_timeout: float) -> None:
        while not self.stop_event.is_set():
            self.recover()
            try:
                worked = self.run_once()
            except Exception as exc:  # database down: say so, wait, try again
                log.error("worker %s: %s", self.name, exc)
                self.stop_event.wait(2.0)
                continue
            if worked:
                continue
            notify.flush(self.engine)  # idle now: consoles hear of the last runs at once
            self.ready.set()
            if until_empty:
                return
            waiter.wait(idle_timeout)

    def _hand_back(self) -> None:
        """A run claimed with the last finish while a stop came in goes back to the queue."""
        following, self._next = self._next, None
        if following is not None:
            try:
                release(self.engine, following.id, self.name, unstarted=True)
            except Exception as exc:  # recovery re-queues or ends it after the lease
                log.error("worker %s could not hand back run %s: %s", self.name, following.id, exc)


class WorkerPool:
    """N worker threads sharing one stop flag."""

    def __init__(self, engine: Engine, concurrency: int = 2, **worker_kwargs: object) -> None:
        self.engine = engine
        self.stop_event = threading.Event()
        self.workers = [
            Worker(engine, worker_name(i), self.stop_event, **worker_kwargs)  # type: ignore[arg-type]
            for i in range(concurrency)
        ]
        self.threads: list[threading.Thread] = []

    def start(self, *, until_empty: bool = False) -> None:
        for worker in self.workers:
            thread = threading.Thread(target=worker.loop, kwargs={"until_empty": until_empty},
                                      name=f"worker-{worker.name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def running(self) -> list[JobContext]:
        return [w.current for w in self.workers if w.current is not None]

    def cancel_running(self) -> None:
        for ctx in self.running():
            ctx.cancel_event.set()

    def stop(self, *, cancel_running: bool = False, timeout: float | None = None) -> None:
        """Stop taking work; running jobs finish (or are cancelled, keeping what they did)."""
        self.stop_event.set()
        if cancel_running:
            self.cancel_running()
        for thread in self.threads:
            thread.join(timeout)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()
