"""Queue speed on PostgreSQL: runs claimed and finished per second by 4 workers, and the time
from enqueue to `started` with an idle worker (p50, p95).

The job is a real one with nothing to do (a search-index rebuild on a database without
workspaces), so the figure is the engine's own cost per run: claim, context, heartbeat,
progress, log lines and finish. The limit printed beside it is the bare queue: the same
claim and finish statements with no job machinery, measured in the same run.

    .venv/bin/python bench/queue.py [--runs 4000] [--workers 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path and its name would hide the
# standard library's `queue`; put the repo root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402

from app.clock import utcnow  # noqa: E402
from app.db import tables  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.engine import runs  # noqa: E402
from app.engine.registry import get_job_type  # noqa: E402
from app.engine.runs import validate_params  # noqa: E402
from app.engine.status import RunStatus  # noqa: E402
from app.engine.worker import Worker  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

JOB = "rebuild_search_index"


def enqueue_many(engine, count: int) -> None:  # type: ignore[no-untyped-def]
    params = validate_params(get_job_type(JOB), {})
    now = utcnow()
    rows = [dict(type=JOB, module=None, workspace_id=None, run_date=now.date(), params=params, status="pending",
                 processed=0, created=0, updated=0, skipped=0, failed=0, errors_count=0, queued_at=now, updated_at=now,
                 cancel_requested=False, attempts=0, archived=False) for _ in range(count)]
    with engine.begin() as conn:
        conn.execute(insert(tables.job_runs), rows)


def drain(engine, workers: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds for `workers` threads to work the queue empty."""
    pool = [Worker(engine, f"bench-{i}") for i in range(workers)]
    threads = [threading.Thread(target=w.loop, kwargs={"until_empty": True}) for w in pool]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def _process_worker(url: str, index: int, ready, go) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    worker = Worker(engine, f"bench-proc-{index}")
    ready.release()
    go.wait()
    worker.loop(until_empty=True)
    engine.dispose()


def drain_processes(url: str, workers: int) -> float:
    """Seconds for `workers` processes (one worker each), started and then released together."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_process_worker, args=(url, i, ready, go)) for i in range(workers)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for proc in procs:
        proc.join()
    return time.perf_counter() - start


def bare_queue(engine, workers: int) -> float:  # type: ignore[no-untyped-def]
    """The limit: claim with SKIP LOCKED and mark finished, nothing else."""
    t = tables.job_runs

    def loop() -> None:
        while True:
            with engine.begin() as conn:
                pick = select(t.c.id).where(t.c.status == "pending").order_by(t.c.id).limit(1).with_for_update(skip_locked=True)
                run_id = conn.execute(update(t).where(t.c.id == pick.scalar_subquery())
                                      .values(status="started", started_at=utcnow()).returning(t.c.id)).scalar()
            if run_id is None:
                return
            with engine.begin() as conn:
                conn.execute(update(t).where(t.c.id == run_id).values(status="completed", finished_at=utcnow()))

    threads = [threading.Thread(target=loop) for _ in range(workers)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - start


def wake_latency(engine, samples: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Enqueue one run at a time with an idle worker listening; started_at - queued_at."""
    worker = Worker(engine, "bench-idle")
    thread = threading.Thread(target=worker.loop)
    thread.start()
    time.sleep(0.5)  # let the worker go idle on LISTEN
    delays = []
    try:
        for _ in range(samples):
            run_id = runs.enqueue(engine, JOB, {})
            while (run := runs.get_run(engine, run_id)).status is RunStatus.PENDING:
                time.sleep(0.001)
            assert run.started_at is not None
            delays.append((run.started_at - run.queued_at).total_seconds() * 1000)
            while not runs.get_run(engine, run_id).status.finished:
                time.sleep(0.001)
            time.sleep(0.02)  # idle again before the next one
    finally:
        worker.stop_event.set()
        thread.join()
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    server = PgServer()
    server.start()
    try:
        url = server.url("postgres")
        upgrade(url)
        engine = make_engine(url, pool_size=args.workers * 3)
        enqueue_many(engine, args.runs)
        limit_s = bare_queue(engine, args.workers)
        enqueue_many(engine, args.runs)
        ours_s = drain(engine, args.workers)
        enqueue_many(engine, args.runs)
        procs_s = drain_processes(url, args.workers)
        with engine.connect() as conn:
            left = conn.execute(select(tables.job_runs.c.id).where(tables.job_runs.c.status.in_(["pending", "started"]))).first()
        assert left is None, "the queue was not drained"
        delays = sorted(wake_latency(engine, args.samples))
        limit_rate, ours_rate = args.runs / limit_s, args.runs / ours_s
        p50 = statistics.median(delays)
        p95 = delays[int(len(delays) * 0.95) - 1]
        print(f"PostgreSQL, {args.workers} worker threads, {args.runs} runs")
        print(f"  bare claim+finish (the limit): {limit_rate:8.0f} runs/s")
        print(f"  engine, full run lifecycle:    {ours_rate:8.0f} runs/s   ratio {ours_rate / limit_rate:.2f}x of the limit")
        procs_rate = args.runs / procs_s
        print(f"  engine, {args.workers} worker processes:      {procs_rate:8.0f} runs/s   ratio {procs_rate / limit_rate:.2f}x of the limit")
        print(f"  enqueue -> started, idle worker: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(delays)} samples)")
        engine.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
