"""Console bench, the GUI thread's side: an event loop that sleeps between events (`wait_until`)
and the longest stall of the GUI thread while 20 jobs report progress (`bench_stall`), with
the garbage collections and, on --why, every thread's stack at each long gap. Used by bench/ui.py."""

from __future__ import annotations

import faulthandler
import gc
import sys
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, Qt, QTimer
from sqlalchemy import Engine

from app.api.runs import cancel_runs
from app.engine import history
from app.engine import runs as run_store
from app.engine.history import RunFilter
from app.engine.status import RunStatus

STALL_AIM_MS = 50.0
TICK_MS = 5


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Run the event loop until condition() holds, sleeping between events (no polling, so
    the GUI thread's CPU time below is its own work)."""
    deadline = time.perf_counter() + timeout
    loop = QEventLoop()
    alarm = QTimer()
    alarm.setSingleShot(True)
    alarm.start(int(timeout * 1000))
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the console did not get there in time")
        loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    alarm.stop()


def gaps_ms(seconds: float) -> float:
    """Longest time the GUI thread did not get to a 5 ms timer, minus the 5 ms. Also keeps,
    in GUI_WORK, the CPU time the GUI thread itself spent in that longest gap (the rest of
    the gap it waited: for the interpreter lock, or for a core on a loaded machine), and, in
    GAP_NOTES, the garbage collections inside it (--why: every thread's stack at each gap
    over the limit, dumped by faulthandler's own C thread, which needs no interpreter lock)."""
    stamps: list[tuple[float, float, float]] = []

    def tick() -> None:
        stamps.append((time.perf_counter(), time.thread_time(), queued_s()))
        if WHY_MS:
            faulthandler.dump_traceback_later(WHY_MS / 1000, file=WHY_FILE)

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()
    collections_before = len(GC_EVENTS)
    # the console's own kind of loop, asleep between events (a processEvents loop spun the GUI
    # thread: a core and the interpreter lock taken from the workers it was measuring)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    if WHY_MS:
        faulthandler.cancel_dump_traceback_later()
    STAMPS[:] = stamps
    wall, cpu, queued, at = max(((b[0] - a[0]), (b[1] - a[1]), (b[2] - a[2]), a[0])
                                for a, b in zip(stamps, stamps[1:], strict=False))
    GUI_WORK.append(cpu * 1000)
    GUI_QUEUED.append(queued * 1000)
    window = GC_EVENTS[collections_before:]
    inside = [e for e in window if at <= e[0] <= at + wall]
    longest = max((e[1] for e in window), default=0.0)
    GAP_NOTES.append(f"{len(window)} collections in {seconds:.0f} s (longest {longest:.1f} ms, "
                     f"{sum(e[1] for e in window):.0f} ms in all); in the longest gap: "
                     + (", ".join(f"gen {g} {ms:.1f} ms on {who}" for _, ms, g, who in inside) or "none"))
    return wall * 1000 - TICK_MS


GUI_WORK: list[float] = []
STAMPS: list[tuple[float, float, float]] = []  # the last window's ticks: (wall, thread CPU, queued) seconds
GUI_QUEUED: list[float] = []  # of the longest gap, the time the GUI thread was ready but had no core
GAP_NOTES: list[str] = []
GC_EVENTS: list[tuple[float, float, int, str]] = []  # (start, ms, generation, thread) of every collection
WHY_MS = 0.0
WHY_FILE = sys.stderr
_gc_started = threading.local()


def queued_s() -> float:
    """Seconds this thread has spent ready to run but waiting for a core (Linux schedstat;
    0 elsewhere): what of a gap the machine's load took, not the interpreter lock."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _time_collection(phase: str, info: dict[str, int]) -> None:
    """gc.callbacks: how long each collection held the interpreter, and on which thread."""
    if phase == "start":
        _gc_started.at = time.perf_counter()
    else:
        start = getattr(_gc_started, "at", None)
        if start is not None:
            GC_EVENTS.append((start, (time.perf_counter() - start) * 1000, info["generation"],
                              threading.current_thread().name))


gc.callbacks.append(_time_collection)


def bench_stall(window, engine: Engine, jobs: int, seconds: float, mode: str) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """The product's way: `jobs` local workers of the console (QThreads running the jobs, or
    QThreads each supervising a child process: `mode`) each run a job that reports a 500-row
    batch every 10 ms (`bench.ui_worker`). The console samples them at 5 Hz, follows the
    change feed and shows one in detail with its live charts (opened, and drawn, before the
    measurement starts). Returns the idle GUI's longest gap (workers started, no job), the
    longest gap while they report, chart samples."""
    console = window.console
    page = window.show_page("batch_jobs")
    page.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    cancel_runs(engine, history.run_ids(engine, RunFilter(statuses=[RunStatus.PENDING]), limit=10_000))
    workers = console.workers
    workers.command = [sys.executable, "-m", "bench.ui_worker"]
    workers.set_mode(mode)
    workers.resize(jobs)
    # the idle figure starts once every worker is connected and waiting (20 threads connecting
    # at once stall the GUI for 100-200 ms: that is the start-up of workers, not idling)
    wait_until(lambda: all(t.isRunning() and t.ready for t in workers.threads), timeout=180)
    idle = gaps_ms(seconds / 2)
    ids = [run_store.enqueue(engine, "bench_report", {"seconds": seconds + 60}, initiated_by="bench")
           for _ in range(jobs)]
    wait_until(lambda: len(workers.snapshots()) == jobs, timeout=60)
    wait_until(lambda: page.model.row_of(ids[-1]) is not None, timeout=30)
    console.open_run(ids[-1])  # opening it is a click's answer, not a stall: let it settle first
    wait_until(lambda: len(page.detail.summary.charts.samples) >= 3, timeout=30)
    busy = gaps_ms(seconds)
    samples = len(page.detail.summary.charts.samples)
    workers.cancel_local(ids)
    wait_until(lambda: not workers.running(), timeout=60)
    workers.resize(0)
    wait_until(lambda: not workers.retiring, timeout=60)
    return idle, busy, samples
