"""Select-all bench: with N runs (default 1,000,000) in PostgreSQL, what Ctrl+A on Batch Jobs
costs — the GUI thread, the rows fetched, the time until the bulk buttons name their counts —
and what the bulk actions cost in the database (count, cancel, replay over a filter).

The ratio printed for the counts is against the filter's plain count(*) (what the table's
"N runs" already costs). Before this bench's change, select-all made the table ask the model
for every selected row (`selectedRows()` and one `data()` each): that loop is timed too, on
the rows loaded, with what it would have fetched.

    .venv/bin/python -m bench.select_all [--rows 1000000] [--act 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from app import demo  # noqa: E402
from app.api import history as api  # noqa: E402
from app.api import runs as run_api  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.engine.history import RunFilter  # noqa: E402
from app.engine.status import RunStatus  # noqa: E402
from bench.ui_data import add_runs  # noqa: E402
from bench.ui_stall import wait_until  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402
from ui.app import application, build_window  # noqa: E402
from ui.console import Console  # noqa: E402
from ui.history_model import RUN_ROLE  # noqa: E402


def seconds(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def database(engine: Engine, act: int) -> None:
    for name, flt in (("every run", RunFilter()), ("failed", RunFilter(statuses=[RunStatus.FAILED])),
                      ("imports", RunFilter(types=["import"]))):
        plain, n = seconds(lambda f=flt: api.count(engine, f))  # type: ignore[misc]
        both, found = seconds(lambda f=flt: run_api.count_actionable(engine, f))  # type: ignore[misc]
        print(f"count {name}: {n:,} runs in {plain * 1000:.0f} ms; cancellable {found.cancellable:,} and replayable "
              f"{found.replayable:,} in {both * 1000:.0f} ms ({both / plain:.2f}x the count)")
    with engine.begin() as conn:  # `act` runs queued again: what a select-all cancel stops
        conn.execute(text("UPDATE job_runs SET status = 'pending', finished_at = NULL, cancel_requested = false "
                          "WHERE id IN (SELECT id FROM job_runs WHERE type = 'rescore' ORDER BY id LIMIT :n)"),
                     {"n": act})
    queued = RunFilter(statuses=[RunStatus.PENDING])
    took, outcome = seconds(lambda: run_api.cancel_matching(engine, queued, by="bench"))
    print(f"cancel_matching: {outcome.done:,} queued runs cancelled in {took:.1f} s "
          f"({outcome.done / took:,.0f} runs/s, chunks of 1,000)")
    stopped = RunFilter(statuses=[RunStatus.STOPPED], users=["bench-target"])
    with engine.begin() as conn:  # the cancelled ones, marked as one filter's runs to replay
        conn.execute(text("UPDATE job_runs SET initiated_by = 'bench-target' WHERE status = 'stopped' "
                          "AND type = 'rescore' AND cancel_requested AND finished_at IS NOT NULL "
                          "AND id IN (SELECT id FROM job_runs WHERE type = 'rescore' ORDER BY id LIMIT :n)"), {"n": act})
    took, outcome = seconds(lambda: run_api.replay_matching(engine, stopped))
    print(f"replay_matching: {outcome.done:,} ended runs replayed in {took:.1f} s ({outcome.done / took:,.0f} runs/s)")


def console(engine: Engine) -> None:
    application()
    window = build_window(Console(engine))
    window.resize(1400, 900)
    window.show()
    page = window.show_page("batch_jobs")
    wait_until(lambda: page.model.total is not None and page.model.id_at(0) is not None, 60)
    table = page.table
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     table.visualRect(page.model.index(0, 1)).center())
    ran: list[float] = []
    counter = run_api.count_actionable

    def timed_count(*args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(time.perf_counter())
        try:
            return counter(*args, **kwargs)
        finally:
            ran.append(time.perf_counter())

    run_api.count_actionable = timed_count  # type: ignore[assignment]
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    start, cpu = time.perf_counter(), time.thread_time()
    QTest.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    gui_ms = (time.thread_time() - cpu) * 1000
    wait_until(lambda: page.all_runs.actionable is not None, 120)
    took = time.perf_counter() - start
    timer.stop()
    gap = max((b - a for a, b in zip([start, *ticks], ticks, strict=False)), default=0.0)
    print(f"Ctrl+A on {page.model.total:,} runs: GUI thread {gui_ms:.1f} ms CPU for the key, longest GUI gap after it "
          f"{gap * 1000:.0f} ms; buttons '{page.cancel_button.text()}' and '{page.replay_button.text()}' after "
          f"{took * 1000:.0f} ms (the count waited {(ran[0] - start) * 1000:.0f} ms for its thread and ran "
          f"{(ran[1] - ran[0]) * 1000:.0f} ms); pages loaded {page.model.loaded_pages()}")
    cpu = time.thread_time()
    rows = table.selectionModel().selectedRows()  # what the page did before, for every selected row
    fetched = sum(1 for index in rows[:2000] if index.data(RUN_ROLE) is None)
    print(f"before: selectedRows() listed {len(rows):,} rows in {(time.thread_time() - cpu) * 1000:.0f} ms CPU; "
          f"asking each for its run would have fetched {len(rows) - len(page.model.runs_in(0, len(rows))):,} "
          f"({fetched:,} of the first 2,000 were not loaded)")
    window.close_with("cancel")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--act", type=int, default=100_000, help="runs the cancel and the replay act on")
    args = parser.parse_args()
    with PgServer(parent_dir=os.environ.get("BATCHDESK_PG_TMPDIR", "/tmp")) as pg, tempfile.TemporaryDirectory() as home:
        os.environ["BATCHDESK_HOME"] = home
        url = pg.url("postgres")
        upgrade(url)
        engine = make_engine(url)
        demo.seed(engine, small=True)
        took, _ = seconds(lambda: add_runs(engine, args.rows))
        print(f"{args.rows:,} runs generated in {took:.0f} s; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        console(engine)
        database(engine, args.act)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
