"""Schema upgrade on a database in use: migration 0009 at N runs (default 1,000,000) while
workers write progress, with the migrations of two source trees (session 8: plain CREATE INDEX
before, CONCURRENTLY after).

Per round: downgrade to 0008 (this tree's downgrade: the index and function go), then run
`upgrade()` in a child process from the tree's own `app/` while WRITERS threads each UPDATE
their own run's progress (context._write's columns) every PAUSE_S; prints the upgrade's time
(measured in the child) and the latency of every UPDATE issued while it ran (p50, p99, max).

    git archive f4eb13f app | tar -x -C /tmp/online-before
    flock /tmp/bench.lock .venv/bin/python -m bench.online_upgrade --before /tmp/online-before
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from app import demo  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import alembic_config, current_revision, head_revision, upgrade  # noqa: E402
from app.db.online_index import index_state  # noqa: E402
from bench.ui_data import add_runs  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

WRITERS = 2
PAUSE_S = 0.1
START = "0008_console_text_search"
INDEX = "ix_job_runs_search_grams"
CHILD = ("import json, sys, time; import app; from app.db.migrate import upgrade; t = time.perf_counter(); "
         "upgrade(sys.argv[1]); print(json.dumps({'seconds': time.perf_counter() - t, 'app': app.__file__}))")


def progress_writer(engine: Engine, run_id: int, stop: threading.Event, out: list[tuple[float, float]]) -> None:
    """A worker persisting progress: one short UPDATE of its run, then a pause; (start, latency)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while not stop.is_set():
            start = time.perf_counter()
            conn.execute(text("UPDATE job_runs SET updated_at = now(), processed = processed + 1, "
                              "created = created + 1 WHERE id = :id"), {"id": run_id})
            out.append((start, time.perf_counter() - start))
            stop.wait(PAUSE_S)


def one_round(url: str, engine: Engine, name: str, tree: Path, run_ids: list[int]) -> None:
    command.downgrade(alembic_config(url), START)
    assert current_revision(engine) == START
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    threads = [threading.Thread(target=progress_writer, args=(engine, run_ids[i], stop, samples), name=f"writer-{i}")
               for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    load = os.getloadavg()[0]
    begin = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", CHILD, url], cwd=tree, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(tree)}, check=False)
    end = time.perf_counter()
    stop.set()
    for thread in threads:
        thread.join()
    if child.returncode != 0:
        raise RuntimeError(f"{name}: the upgrade failed\n{child.stderr[-3000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert str(tree) in result["app"], f"{name} ran {result['app']}, not {tree}"
    with engine.connect() as conn:
        valid = index_state(conn, "job_runs", INDEX)
    during = sorted(lat * 1000 for start, lat in samples if begin <= start <= end)
    slow = sum(1 for ms in during if ms > 1000)
    print(f"{name:>7}: 0009 upgrade {result['seconds']:.1f} s (child process {end - begin:.1f} s), index valid: "
          f"{valid}; {len(during)} progress UPDATEs issued meanwhile by {WRITERS} writers: p50 "
          f"{statistics.median(during):.2f} ms, p99 {during[int(len(during) * 0.99)]:.2f} ms, max "
          f"{during[-1]:.0f} ms, {slow} over 1 s; load {load:.1f} at start, {os.getloadavg()[0]:.1f} at end",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of each tree, alternating")
    parser.add_argument("--before", type=Path, required=True, help="a tree holding the 'before' app/ (git archive)")
    args = parser.parse_args()
    with PgServer(parent_dir=os.environ.get("BATCHDESK_PG_TMPDIR", "/tmp")) as pg, \
            tempfile.TemporaryDirectory() as home:
        os.environ["BATCHDESK_HOME"] = home
        url = pg.url("postgres")
        upgrade(url)
        engine = make_engine(url)
        demo.seed(engine, small=True)
        start = time.perf_counter()
        add_runs(engine, args.rows)
        print(f"{args.rows:,} runs generated in {time.perf_counter() - start:.1f} s; machine load "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        with engine.connect() as conn:
            run_ids = [int(i) for i in conn.execute(
                text("SELECT id FROM job_runs ORDER BY id DESC LIMIT :n"), {"n": WRITERS}).scalars()]
        for _ in range(args.rounds):
            for name, tree in (("before", args.before.resolve()), ("after", ROOT)):
                one_round(url, engine, name, tree, run_ids)
        assert current_revision(engine) == head_revision()
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
