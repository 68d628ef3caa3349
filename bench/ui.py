"""Console bench: with N runs (default 1,000,000) in PostgreSQL, how long from a filter change
to the first page drawn, a sort, and a jump to the last row (p50, p95 over repeats), and the
GUI thread's longest stall while 20 jobs report progress at once.

Limits measured in the same run: the bare page query through psycopg (what the database
alone costs) and the GUI's longest stall when idle. The aims are 100 ms and 50 ms.

    /work/.venv-base/bin/python -m bench.ui [--rows 1000000] [--repeat 15]

The GUI thread's stall lives in bench/ui_stall.py, the query plans and page-query times
(--explain, --page-times) in bench/ui_explain.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QDate, QSettings, Qt, QTimer  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from app import demo  # noqa: E402
from app.api import history as api  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.engine.history import RunFilter  # noqa: E402
from app.engine.status import RunStatus  # noqa: E402
from bench import ui_explain, ui_stall  # noqa: E402
from bench.ui_data import add_runs  # noqa: E402
from bench.ui_explain import PAGE_TIMES, explain_after_stall, explain_sorts, time_page_queries  # noqa: E402
from bench.ui_stall import STALL_AIM_MS, bench_stall, wait_until  # noqa: E402
from bench.ui_worker import register  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402
from ui.app import application, build_window  # noqa: E402
from ui.console import Console  # noqa: E402
from ui.history_model import COLUMNS  # noqa: E402

AIM_MS = 100.0
GUI_CPU: list[float] = []  # the GUI thread's CPU time of each timed action
COLD_CPU: list[float] = []


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
            if ui_explain.SHOW_PAGE_TIMES and (ms > AIM_MS or column.sort in ("skipped", "failed", "duration")):
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
            ("text 'leads_2026' (2% of runs)", lambda: f.text.setText("leads_2026")),
            ("type Import + module Leads", lambda: (box(f.type, "Import")(), box(f.module, "Leads")())),
            ("text 'contacts_20261015' (rare)", lambda: f.text.setText("contacts_20261015"))]


def bench_sort_filters(page, cases: str = "") -> list[float]:  # type: ignore[no-untyped-def]
    """--sort-filters: a sort pass (every column, both directions) under each filter case (whose
    name holds `cases`)."""
    every: list[float] = []
    for name, apply in filter_cases(page):
        if cases not in name:
            continue
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


TEXTS = (("rare", "contacts_20261015"), ("rarer than 2%", "leads_20261"), ("2% of runs", "leads_2026"),
         ("common", "update"), ("under 3 characters, common", "up"), ("under 3 characters, rare", "zq"))


def bench_texts(page, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """--text-filters: each text typed into the search box (timed from the box's change signal,
    after its 250 ms typing pause) until the first page is drawn, until the planner's estimate is
    in (shown as "about N" while the count runs; PostgreSQL, indexed texts only), and until the
    count is in."""
    f, counted, estimated = page.filters, {}, {}
    count, estimate = api.count, api.estimate

    def timed_count(engine: Engine, flt: RunFilter, cancel: object = None) -> int:
        n = count(engine, flt, cancel)  # type: ignore[arg-type]
        counted[flt.text] = time.perf_counter()
        return n

    def timed_estimate(engine: Engine, flt: RunFilter) -> int | None:
        n = estimate(engine, flt)
        if n is not None:
            estimated[flt.text] = time.perf_counter()
        return n

    api.count, api.estimate = timed_count, timed_estimate  # type: ignore[assignment]
    for name, text_ in TEXTS:
        pages, counts, abouts, matches = [], [], [], 0
        for _ in range(repeat):
            f.clear()
            wait_until(lambda: page.model.total is not None and page.model.id_at(0) is not None, timeout=60)
            counted.pop(text_, None)
            estimated.pop(text_, None)
            start = time.perf_counter()
            f.text.setText(text_)
            f._emit()  # now: the box's typing pause (250 ms) is the box's, not the query's

            def drawn(t: str = text_) -> bool:
                model = page.model
                return model.query.filter.text == t and (model.total == 0 or model.id_at(0) is not None)
            wait_until(drawn, timeout=120)
            page.table.viewport().repaint()
            pages.append((time.perf_counter() - start) * 1000)
            wait_until(lambda t=text_: t in counted and page.model.total is not None, timeout=120)
            counts.append((counted[text_] - start) * 1000)
            if text_ in estimated:
                abouts.append((estimated[text_] - start) * 1000)
            matches = page.model.total
        about = (f"   about-N p50 {statistics.median(abouts):5.1f} p95 {pct(abouts, 0.95):5.1f} ms ({len(abouts)})"
                 if abouts else "   no estimate")
        print(f"  text {text_!r:<20} {name:<27} {matches:>9,} runs  first page p50 {statistics.median(pages):7.1f} "
              f"p95 {pct(pages, 0.95):7.1f} max {max(pages):7.1f} ms   count p50 {statistics.median(counts):7.1f} "
              f"p95 {pct(counts, 0.95):7.1f} max {max(counts):7.1f} ms{about}  load {os.getloadavg()[0]:.1f}")
    api.count, api.estimate = count, estimate  # type: ignore[assignment]
    f.clear()


def bench_superseded(page, repeat: int, first: str = "zq", then: str = "leads_20261") -> None:  # type: ignore[no-untyped-def]
    """A search typed while another still reads every run: 'zq' (0.7 s), and 200 ms later
    'leads_20261'; timed from the second until its first page is drawn (the pages are read one at
    a time: unless the first is cancelled, the second waits for it)."""
    f, times = page.filters, []
    for _ in range(repeat):
        f.clear()
        wait_until(lambda: page.model.total is not None and page.model.id_at(0) is not None, timeout=60)
        f.text.setText(first)
        f._emit()
        fired: list[bool] = []
        QTimer.singleShot(200, lambda fired=fired: fired.append(True))
        wait_until(lambda fired=fired: bool(fired), timeout=5)
        start = time.perf_counter()
        f.text.setText(then)
        f._emit()
        wait_until(lambda: page.model.query.filter.text == then and page.model.id_at(0) is not None, timeout=60)
        page.table.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    print(f"  {then!r} typed 200 ms into {first!r}: first page p50 {statistics.median(times):7.1f} "
          f"p95 {pct(times, 0.95):7.1f} max {max(times):7.1f} ms  load {os.getloadavg()[0]:.1f}")
    f.clear()


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
    parser.add_argument("--text-filters", action="store_true",
                        help="only text searches (rare, common, short): filter change -> first page, and -> count")
    parser.add_argument("--no-cancel", action="store_true",
                        help="superseded page and count queries run to their end (the console before session 6)")
    parser.add_argument("--why", type=float, default=0.0, metavar="MS",
                        help="dump every thread's stack to stderr whenever the GUI thread misses its tick by MS")
    parser.add_argument("--url", help="an existing database that already holds the bench's runs (no server, no data made)")
    parser.add_argument("--cases", default="", help="--sort-filters: only the filter cases whose name holds this text")
    args = parser.parse_args()
    ui_stall.WHY_MS = args.why
    if args.no_cancel:
        from app.api.cancel import Cancellable

        Cancellable.cancel = lambda self: None  # type: ignore[method-assign]
    if args.page_times:
        ui_explain.SHOW_PAGE_TIMES = True
        time_page_queries()
    if args.url:
        with tempfile.TemporaryDirectory() as home:
            return run(args, None, home)
    with PgServer(parent_dir=os.environ.get("BATCHDESK_PG_TMPDIR", "/tmp")) as pg, \
            tempfile.TemporaryDirectory() as home:
        try:
            return run(args, pg, home)
        except Exception:
            print("--- the server's log ---\n" + pg._log_tail(3000))
            raise


def run(args: argparse.Namespace, pg: PgServer | None, home: str) -> int:
    os.environ["BATCHDESK_HOME"] = home
    url = args.url or pg.url("postgres")  # type: ignore[union-attr]
    engine = make_engine(url, connect_args={"prepare_threshold": None}) if args.no_prepare else make_engine(url)
    if pg is not None:
        upgrade(url)
        demo.seed(engine, small=True)
        start = time.perf_counter()
        add_runs(engine, args.rows)
        print(f"{args.rows:,} runs generated in {time.perf_counter() - start:.1f} s (PostgreSQL, every index); "
              f"machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
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
              f"{ui_stall.GUI_WORK[-1]:.1f} ms, waiting for a core {ui_stall.GUI_QUEUED[-1]:.1f} ms; "
              f"chart samples taken: {samples})")
        print(f"{'':<28} garbage collection, idle: {ui_stall.GAP_NOTES[-2]}")
        print(f"{'':<28} garbage collection, busy: {ui_stall.GAP_NOTES[-1]}")
    if args.explain:
        explain_after_stall(engine)
    if args.stall_only:
        window.close_with("cancel")
        return 0
    if args.text_filters:
        print(f"text search, {args.repeat} times each: filter change -> first page drawn, and -> count arrived:")
        bench_texts(page, args.repeat)
        bench_superseded(page, args.repeat)
        window.close_with("cancel")
        return 0
    if args.sort_filters:
        print("sort -> first page under each filter (every column, both directions):")
        report("sort under the filters", bench_sort_filters(page, args.cases))
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
