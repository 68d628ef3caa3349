"""Queue speed on PostgreSQL: runs claimed and finished per second by 4 workers, and the time
from enqueue to `started` with an idle worker (p50, p95).

The job is a real one with nothing to do (a search-index rebuild on a database without
workspaces), so the figure is the engine's own cost per run: claim, context, heartbeat,
progress, log lines and finish. The limit printed beside it is the bare queue: a claim with
SKIP LOCKED and a finishing update, each one autocommitted statement on a plain psycopg
connection, no job machinery at all; measured in the same run with threads and with
processes, and each engine figure is divided by the bare figure of the same kind.

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

from sqlalchemy import insert, select  # noqa: E402

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


def vacuum(conninfo: str) -> None:
    """Each phase starts on a vacuumed queue: the earlier phases' dead rows (and autovacuum
    cleaning them up mid-phase) would otherwise weigh on whichever phase comes later."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE job_runs, job_logs")


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


def _process_worker(url: str, index: int, ready, go, done) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    worker = Worker(engine, f"bench-proc-{index}")
    get_job_type(JOB)  # imports every job module once, as a worker does on its first run
    ready.release()
    go.wait()
    worker.loop(until_empty=True)
    done.release()
    engine.dispose()


def _in_processes(target, args_list) -> float:  # type: ignore[no-untyped-def]
    """Seconds from releasing the processes (each started and ready) to the last one saying
    it is done: a spawned interpreter takes a good half second to exit, which is no part of
    the queue's speed."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    ready, go, done = ctx.Semaphore(0), ctx.Event(), ctx.Semaphore(0)
    procs = [ctx.Process(target=target, args=(*args, ready, go, done)) for args in args_list]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    start = time.perf_counter()
    go.set()
    for _ in procs:
        done.acquire()
    elapsed = time.perf_counter() - start
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0, f"a bench process failed ({proc.exitcode})"
    return elapsed


def drain_processes(url: str, workers: int) -> float:
    """Seconds for `workers` processes (one worker each), started and then released together."""
    return _in_processes(_process_worker, [(url, i) for i in range(workers)])


_BARE_CLAIM = """UPDATE job_runs SET status = 'started', started_at = now()
WHERE id = (SELECT id FROM job_runs WHERE status = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id"""
_BARE_FINISH = "UPDATE job_runs SET status = 'completed', finished_at = now() WHERE id = %s"


def _bare_loop(conninfo: str) -> None:
    """The limit: claim with SKIP LOCKED and mark finished, each one autocommitted statement
    on a plain psycopg connection: two round trips a run and no job machinery at all."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        while (row := conn.execute(_BARE_CLAIM).fetchone()) is not None:
            conn.execute(_BARE_FINISH, (row[0],))


def bare_queue(conninfo: str, workers: int) -> float:
    """Seconds for `workers` threads running the bare loop to work the queue empty."""
    threads = [threading.Thread(target=_bare_loop, args=(conninfo,)) for _ in range(workers)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - start


def _bare_process(conninfo: str, ready, go, done) -> None:  # type: ignore[no-untyped-def]
    ready.release()
    go.wait()
    _bare_loop(conninfo)
    done.release()


def bare_processes(conninfo: str, workers: int) -> float:
    """The bare loop in `workers` processes (both cores, no GIL), released together."""
    return _in_processes(_bare_process, [(conninfo,)] * workers)


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
        conninfo = server.conninfo("postgres")
        rates: dict[str, float] = {}
        for name, drain_once in (
            ("bare threads", lambda: bare_queue(conninfo, args.workers)),
            ("bare processes", lambda: bare_processes(conninfo, args.workers)),
            ("engine threads", lambda: drain(engine, args.workers)),
            ("engine processes", lambda: drain_processes(url, args.workers)),
        ):
            enqueue_many(engine, args.runs)
            vacuum(conninfo)
            rates[name] = args.runs / drain_once()
            with engine.connect() as conn:
                left = conn.execute(select(tables.job_runs.c.id).where(tables.job_runs.c.status.in_(["pending", "started"]))).first()
            assert left is None, f"{name}: the queue was not drained"
        delays = sorted(wake_latency(engine, args.samples))
        p50 = statistics.median(delays)
        p95 = delays[int(len(delays) * 0.95) - 1]
        n = args.workers
        print(f"PostgreSQL, {n} workers, {args.runs} runs each")
        print(f"  bare claim+finish, {n} threads (the limit):   {rates['bare threads']:6.0f} runs/s")
        print(f"  bare claim+finish, {n} processes (the limit): {rates['bare processes']:6.0f} runs/s")
        for kind in ("threads", "processes"):
            ours, limit = rates[f"engine {kind}"], rates[f"bare {kind}"]
            print(f"  engine, full run lifecycle, {n} worker {kind}: {ours:6.0f} runs/s   "
                  f"ratio {ours / limit:.2f}x of the bare {kind}")
        print(f"  enqueue -> started, idle worker: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(delays)} samples)")
        engine.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
