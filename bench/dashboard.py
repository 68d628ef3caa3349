"""Dashboard bench: with N runs (default 1,000,000) in PostgreSQL, how long the Dashboard's
whole refresh (`app.api.dashboard.overview`: buckets by status, summary, running runs) takes
for each period, against the limit measured in the same run — one bare index range count of
the same runs (`SELECT count(*) … WHERE queued_at >= since`), the least any answer costs.

    /work/.venv-base/bin/python -m bench.dashboard [--rows 1000000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402

from app.api import dashboard  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from bench.ui_data import add_runs  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

NOW = dt.datetime(2026, 11, 1)  # the generated history ends here
AIM_MS = 100.0


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm the cache and the statement cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_count(engine: Engine, since: dt.datetime) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM job_runs WHERE queued_at >= :since"),
                                {"since": since}).scalar_one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with PgServer(parent_dir=os.environ.get("BATCHDESK_PG_TMPDIR", "/tmp")) as pg:
        url = pg.url("postgres")
        upgrade(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO workspaces (key, name, created_at) VALUES ('a', 'A', now()), ('b', 'B', now())"))
        start = time.perf_counter()
        add_runs(engine, args.rows)
        print(f"{args.rows:,} runs generated in {time.perf_counter() - start:.1f} s (PostgreSQL, every index)\n")
        print(f"{'period':<14}{'runs in it':>12}{'overview ms':>14}{'bare count ms':>16}{'ratio':>8}{'vs aim':>8}")
        for key, period in dashboard.PERIODS.items():
            since = NOW - period.span
            ours = median_ms(lambda key=key: dashboard.overview(engine, key, NOW), args.repeat)
            floor = median_ms(lambda since=since: bare_count(engine, since), args.repeat)
            print(f"{period.title:<14}{bare_count(engine, since):>12,}{ours:>14.1f}{floor:>16.1f}"
                  f"{ours / floor:>8.1f}{ours / AIM_MS:>8.2f}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
