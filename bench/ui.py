"""Console bench: with N runs (default 1,000,000) in PostgreSQL, how long from a filter change
to the first page drawn, a sort, and a jump to the last row (p50, p95 over repeats), and the
GUI thread's longest stall while 20 jobs report progress at once.

Limits measured in the same run: the bare page query through psycopg (what the database
alone costs) and the GUI's longest stall when idle. The aims are 100 ms and 50 ms.

    /work/.venv-base/bin/python -m bench.ui [--rows 1000000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QDate, QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from app import demo  # noqa: E402
from app.api import history as api  # noqa: E402
from app.api.runs import cancel_runs  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.engine import history  # noqa: E402
from app.engine import runs as run_store  # noqa: E402
from app.engine.history import RunFilter  # noqa: E402
from app.engine.status import RunStatus  # noqa: E402
from bench.ui_data import add_runs  # noqa: E402
from bench.ui_worker import register  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402
from ui.app import application, build_window  # noqa: E402
from ui.console import Console  # noqa: E402
from ui.history_model import COLUMNS  # noqa: E402

AIM_MS = 100.0
SHOW_PAGE_TIMES = False
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


GUI_CPU: list[float] = []  # the GUI thread's CPU time of each timed action
COLD_CPU: list[float] = []
PAGE_TIMES: list[tuple[str, float, float]] = []  # (kind, ms, start) of each page query on the page thread


def slow_plan(engine: Engine, query: api.HistoryQuery, offset: int, limit: int, total: int | None = None) -> str:
    """The plan of a page's id query as psycopg sends it (parameters bound on the server), run
    on a connection of the pool, with whether that connection has prepared statements."""
    from sqlalchemy import select

    stmt = (select(api.runs.c.id).where(query.filter.where())
            .order_by(*api._order(query.sort, query.descending, "postgresql")).limit(limit).offset(offset))
    compiled = stmt.compile(engine, compile_kwargs={"render_postcompile": True})
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + str(compiled), compiled.params)
        plan = " | ".join(str(r[0]).strip() for r in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        prepared = cursor.fetchone()[0]  # type: ignore[index]
    return f"[{prepared} prepared on that connection] {plan}"


def time_page_queries() -> None:
    """--page-times: the page thread's two queries (ids, then rows) timed apart."""
    page_ids, runs_by_id = api.page_ids, history.runs_by_id

    def timed_ids(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return page_ids(*args, **kwargs)
        finally:
            ms = (time.perf_counter() - start) * 1000
            PAGE_TIMES.append(("ids", ms, start))
            if ms > 50:  # slow: is it the query (again, and its plan) or the moment?
                again = time.perf_counter()
                page_ids(*args, **kwargs)
                PAGE_TIMES.append(("ids again", (time.perf_counter() - again) * 1000, again))
                print("      slow ids query; explained now:", slow_plan(*args))

    def timed_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return runs_by_id(*args, **kwargs)
        finally:
            PAGE_TIMES.append(("rows", (time.perf_counter() - start) * 1000, start))

    count = api.count

    def timed_count(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return count(*args, **kwargs)
        finally:
            from PySide6.QtCore import QThread

            name = f"{QThread.currentThread().objectName()} from {sys._getframe(1).f_code.co_name}"
            PAGE_TIMES.append((f"count[{name}]", (time.perf_counter() - start) * 1000, start))

    api.page_ids = timed_ids  # type: ignore[assignment]
    history.runs_by_id = timed_rows  # type: ignore[assignment]
    api.count = timed_count  # type: ignore[assignment]


def timed(page, action: Callable[[], None], row: Callable[[], int]) -> float:  # type: ignore[no-untyped-def]
    """ms from the action until the row's page is in the model and the table has painted it
    (the count arrives on its own thread; the first page does not wait for it)."""
    start, cpu = time.perf_counter(), time.thread_time()
    action()

    def drawn() -> bool:
        r = row()
        return 0 <= r < page.model.rowCount() and page.model.id_at(r) is not None
    wait_until(drawn)
    page.table.viewport().repaint()
    GUI_CPU.append((time.thread_time() - cpu) * 1000)
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(name: str, values: list[float], floor: float | None = None, cpu: list[float] | None = None) -> None:
    p50, p95 = statistics.median(values), pct(values, 0.95)
    extra = f"   bare query p50 {floor:6.1f} ms" if floor is not None else ""
    cpu = cpu or GUI_CPU[-len(values):]
    print(f"{name:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(values):7.1f} ms  "
          f"p95/aim {p95 / AIM_MS:5.2f}  GUI thread CPU p50 {statistics.median(cpu):5.1f} ms p95 {pct(cpu, 0.95):5.1f}{extra}")


def bare_page_ms(engine: Engine, query: api.HistoryQuery, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        api.fetch_page(engine, query, 0, 100)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_filters(page, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    f = page.filters
    steps: list[Callable[[], None]] = []
    for box, text_ in ((f.status, "Failed"), (f.type, "Import"), (f.user, "li.wang"), (f.module, "Contacts"),
                       (f.status, "Cancelled"), (f.workspace, "Americas Sales"), (f.type, "Export")):
        index = box.findText(text_)
        assert index > 0, f"no {text_!r} in {box.objectName()}"
        steps.append(lambda b=box, i=index: b.setCurrentIndex(i))
        steps.append(lambda b=box: b.setCurrentIndex(0))
    times = []
    for i in range(max(repeat, len(steps))):
        times.append(timed(page, steps[i % len(steps)], lambda: 0))
    return times


def sort_pass(page, worst: dict[str, float] | None = None) -> list[float]:  # type: ignore[no-untyped-def]
    """Every column, both directions, each until its first page is drawn."""
    times = []
    for col, column in enumerate(COLUMNS):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            before = len(PAGE_TIMES)
            ms = timed(page, lambda c=col, o=order: page.table.sortByColumn(c, o), lambda: 0)
            times.append(ms)
            if worst is not None:
                worst[column.title] = max(worst.get(column.title, 0.0), ms)
            if SHOW_PAGE_TIMES and (ms > AIM_MS or column.sort in ("skipped", "failed", "duration")):
                parts = ", ".join(f"{kind} {q:.1f}" for kind, q, _ in PAGE_TIMES[before:])
                print(f"    {column.sort:>13} {'asc ' if order == Qt.SortOrder.AscendingOrder else 'desc'} "
                      f"{ms:6.1f} ms  page thread: {parts}  load {os.getloadavg()[0]:.1f}")
    return times


def bench_sorts(page, repeat: int) -> tuple[list[float], dict[str, float], list[float]]:  # type: ignore[no-untyped-def]
    """A first pass on a cold server cache (each sort index read from disk for the first
    time since the table was built), reported apart; then the timed passes."""
    cold = sort_pass(page)
    COLD_CPU[:] = GUI_CPU[-len(cold):]
    times: list[float] = []
    worst: dict[str, float] = {}
    for _ in range(max(1, repeat // 10)):
        times += sort_pass(page, worst)
    return times, worst, cold


def filter_cases(page) -> list[tuple[str, Callable[[], None]]]:  # type: ignore[no-untyped-def]
    """One case per filter box (and two date ranges, two texts: a common and a rare match),
    each set the way a person sets it; the bench's runs end on 2026-11-01."""
    f = page.filters

    def box(widget, text_: str) -> Callable[[], None]:  # type: ignore[no-untyped-def]
        index = widget.findText(text_)
        assert index > 0, f"no {text_!r} in {widget.objectName()}"
        return lambda: widget.setCurrentIndex(index)

    def custom(start: str, end: str) -> Callable[[], None]:
        def apply() -> None:
            f.date_from.setDate(QDate.fromString(start, "yyyy-MM-dd"))
            f.date_to.setDate(QDate.fromString(end, "yyyy-MM-dd"))
            f.dates.setCurrentIndex(f.dates.findData(-1))
        return apply

    return [("type Import", box(f.type, "Import")), ("module Contacts", box(f.module, "Contacts")),
            ("user li.wang", box(f.user, "li.wang")), ("workspace Americas Sales", box(f.workspace, "Americas Sales")),
            ("last 30 days (8 days of runs)", lambda: f.dates.setCurrentIndex(f.dates.findData(29))),
            ("October 2026 (custom)", custom("2026-10-01", "2026-10-31")),
            ("text 'update' (half the runs)", lambda: f.text.setText("update")),
            ("type Import + module Leads", lambda: (box(f.type, "Import")(), box(f.module, "Leads")())),
            ("text 'contacts_20261015' (rare)", lambda: f.text.setText("contacts_20261015"))]


def bench_sort_filters(page) -> list[float]:  # type: ignore[no-untyped-def]
    """--sort-filters: a sort pass (every column, both directions) under each filter case."""
    every: list[float] = []
    for name, apply in filter_cases(page):
        page.filters.clear()
        wait_until(lambda: page.model.id_at(0) is not None)
        apply()
        wanted = page.filters.run_filter()
        wait_until(lambda w=wanted: page.model.query.filter == w and page.model.total is not None, timeout=120)
        matches = page.model.total
        worst: dict[str, float] = {}
        times = sort_pass(page, worst)
        every += times
        slow = {k: round(v, 1) for k, v in sorted(worst.items(), key=lambda kv: -kv[1])[:3]}
        print(f"  {name:<32} {matches:>9,} runs  sort p50 {statistics.median(times):6.1f} ms  "
              f"p95 {pct(times, 0.95):6.1f} ms  max {max(times):6.1f}  slowest {slow}  load {os.getloadavg()[0]:.1f}")
    page.filters.clear()
    return every


def bench_last_row(page, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]

    times = []
    states = [(0, Qt.SortOrder.DescendingOrder), (5, Qt.SortOrder.AscendingOrder), (11, Qt.SortOrder.DescendingOrder),
              (14, Qt.SortOrder.AscendingOrder), (3, Qt.SortOrder.DescendingOrder)]
    for i in range(repeat):
        col, order = states[i % len(states)]
        page.table.sortByColumn(col, order)
        wait_until(lambda: page.model.total is not None and page.model.id_at(0) is not None)
        times.append(timed(page, page.table.scrollToBottom, lambda: page.model.rowCount() - 1))
    return times


def gaps_ms(seconds: float) -> float:
    """Longest time the GUI thread did not get to a 5 ms timer, minus the 5 ms. Also keeps,
    in GUI_WORK, the CPU time the GUI thread itself spent in that longest gap (the rest of
    the gap it waited: for the interpreter lock, or for a core on a loaded machine), and, in
    GAP_NOTES, the garbage collections inside it (--why: every thread's stack at each gap
    over the limit, dumped by faulthandler's own C thread, which needs no interpreter lock)."""
    stamps: list[tuple[float, float]] = []

    def tick() -> None:
        stamps.append((time.perf_counter(), time.thread_time()))
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
    wall, cpu, at = max(((b[0] - a[0]), (b[1] - a[1]), a[0]) for a, b in zip(stamps, stamps[1:], strict=False))
    GUI_WORK.append(cpu * 1000)
    window = GC_EVENTS[collections_before:]
    inside = [e for e in window if at <= e[0] <= at + wall]
    longest = max((e[1] for e in window), default=0.0)
    GAP_NOTES.append(f"{len(window)} collections in {seconds:.0f} s (longest {longest:.1f} ms, "
                     f"{sum(e[1] for e in window):.0f} ms in all); in the longest gap: "
                     + (", ".join(f"gen {g} {ms:.1f} ms on {who}" for _, ms, g, who in inside) or "none"))
    return wall * 1000 - TICK_MS


GUI_WORK: list[float] = []
GAP_NOTES: list[str] = []
GC_EVENTS: list[tuple[float, float, int, str]] = []  # (start, ms, generation, thread) of every collection
WHY_MS = 0.0
WHY_FILE = sys.stderr
_gc_started = threading.local()


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


def explain_after_stall(engine: Engine) -> None:
    """--page-times: the slow sorts' id queries as the page thread sends them, explained."""
    from sqlalchemy import select, text

    for sort, descending in (("skipped", True), ("failed", True), ("duration", False), ("duration", True),
                             ("created", True), ("id", True)):
        stmt = (select(api.runs.c.id).where(RunFilter().where())
                .order_by(*api._order(sort, descending, "postgresql")).limit(100).offset(0))
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)).scalars().all()
        print(f"  {sort} {'desc' if descending else 'asc'}: " + " | ".join(p.strip() for p in plan))
        query = api.HistoryQuery(RunFilter(), sort, descending)
        alone = []
        for _ in range(3):
            start = time.perf_counter()
            api.page_ids(engine, query, 0, 100, None)
            alone.append((time.perf_counter() - start) * 1000)
        print(f"     page_ids from the bench's main thread, GUI idle: {', '.join(f'{ms:.1f}' for ms in alone)} ms")


def explain_sorts(engine: Engine) -> None:
    from sqlalchemy import select, text

    for column in COLUMNS:
        for descending in (False, True):
            order = api._order(column.sort, descending, "postgresql")
            stmt = select(api.runs.c.id).order_by(*order).limit(100)
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            with engine.connect() as conn:
                plan = conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql)).scalars().all()
            print(f"{column.sort:>14} {'desc' if descending else 'asc ':4}  {plan[-1]:<28} {plan[1].strip()[:70]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--stall-seconds", type=float, default=8.0)
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval for the console process (s)")
    parser.add_argument("--stall-only", action="store_true", help="only the stall figures")
    parser.add_argument("--modes", default="threads,processes", help="where the 20 jobs run: threads,processes")
    parser.add_argument("--explain", action="store_true", help="print the plan and time of every sort's page query")
    parser.add_argument("--no-prepare", action="store_true",
                        help="psycopg never prepares statements (prepare_threshold=None): generic plans ruled out")
    parser.add_argument("--page-times", action="store_true",
                        help="time the page thread's two queries (ids, rows) of slow sorts apart")
    parser.add_argument("--sort-filters", action="store_true",
                        help="only sorts under each other filter (type, module, user, workspace, dates, text)")
    parser.add_argument("--why", type=float, default=0.0, metavar="MS",
                        help="dump every thread's stack to stderr whenever the GUI thread misses its tick by MS")
    args = parser.parse_args()
    global WHY_MS
    WHY_MS = args.why
    if args.page_times:
        global SHOW_PAGE_TIMES
        SHOW_PAGE_TIMES = True
        time_page_queries()
    with PgServer(parent_dir=os.environ.get("BATCHDESK_PG_TMPDIR", "/tmp")) as pg, \
            tempfile.TemporaryDirectory() as home:
        try:
            return run(args, pg, home)
        except Exception:
            print("--- the server's log ---\n" + pg._log_tail(3000))
            raise


def run(args: argparse.Namespace, pg: PgServer, home: str) -> int:
    os.environ["BATCHDESK_HOME"] = home
    url = pg.url("postgres")
    upgrade(url)
    engine = make_engine(url, connect_args={"prepare_threshold": None}) if args.no_prepare else make_engine(url)
    demo.seed(engine, small=True)
    start = time.perf_counter()
    add_runs(engine, args.rows)
    load = os.getloadavg()[0]
    print(f"{args.rows:,} runs generated in {time.perf_counter() - start:.1f} s (PostgreSQL, every index); "
          f"machine load {load:.1f} on {os.cpu_count()} cores")
    if args.explain:
        explain_sorts(engine)

    register()
    application()  # sets the console's switch interval
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    print(f"interpreter switch interval {sys.getswitchinterval() * 1000:.1f} ms")
    console = Console(engine, QSettings(str(Path(home) / "bench.ini"), QSettings.Format.IniFormat))
    window = build_window(console)
    console.start(workers=0, scheduler=False)
    window.resize(1400, 860)
    window.show()
    page = window.show_page("batch_jobs")
    wait_until(lambda: page.model.total is not None and page.filters.type.count() > 1, timeout=60)
    print(f"history shows {page.model.total:,} runs; GUI = filter/sort/jump until the page is drawn\n")

    for mode in filter(None, args.modes.split(",")):
        idle, busy, samples = bench_stall(window, engine, 20, args.stall_seconds, mode)
        print(f"{'GUI stall, 20 jobs reporting':<28} longest {busy:6.1f} ms  idle longest {idle:5.1f} ms  "
              f"stall/aim {busy / STALL_AIM_MS:5.2f}  (worker {mode}; GUI thread's own work in that gap "
              f"{GUI_WORK[-1]:.1f} ms; chart samples taken: {samples})")
        print(f"{'':<28} garbage collection, idle: {GAP_NOTES[-2]}")
        print(f"{'':<28} garbage collection, busy: {GAP_NOTES[-1]}")
    if args.explain:
        explain_after_stall(engine)
    if args.stall_only:
        window.close_with("cancel")
        return 0
    if args.sort_filters:
        print("sort -> first page under each filter (every column, both directions):")
        report("sort under the filters", bench_sort_filters(page))
        window.close_with("cancel")
        return 0
    floor_filter = bare_page_ms(engine, api.HistoryQuery(RunFilter(statuses=[RunStatus.FAILED]), "id"), 5)
    floor_sort = bare_page_ms(engine, api.HistoryQuery(RunFilter(), "created", False), 5)
    report("filter change -> first page", bench_filters(page, args.repeat), floor_filter)
    sorts, worst, cold = bench_sorts(page, args.repeat * 2)
    report("sort, first pass (cold)", cold, cpu=COLD_CPU)
    report("sort -> first page", sorts, floor_sort)
    slow = {k: round(v, 1) for k, v in sorted(worst.items(), key=lambda kv: -kv[1])[:3]}
    print(f"{'':<28} slowest columns: {slow}")
    report("jump to last row", bench_last_row(page, args.repeat))
    window.close_with("cancel")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
