"""Import and export speed against the database's own bulk tools, measured in one run.

    .venv/bin/python bench/import_export.py [--rows 1000000] [--only pg|sqlite|csv|xlsx]... [--data DIR]

Generates a leads CSV (10 columns; 2% invalid e-mails, 5% duplicate e-mails), starts a
throwaway PostgreSQL (tests/pg_server.py) and prints, each with its ratio and peak RSS:
- import `skip` into an empty table vs `psql \\copy` of the already-clean rows into the same
  table with the same indexes (the limit);
- import `update` of the existing rows (same e-mails, changed values) vs the same limit;
- import into SQLite vs the `sqlite3` shell's `.import` of the clean rows;
- CSV export vs `COPY (SELECT ...) TO STDOUT`; XLSX export vs a bare xlsxwriter
  constant-memory loop over the same rows.
"Ours" is the job's own time (claim to finish, the stored artifact included); the time to
queue an import (storing the source file in the database) is printed beside it. Each step
runs in its own process so its peak RSS is its own. `--data DIR` keeps the generated files
there and reuses them on the next run with the same `--rows` (generating takes ~25 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path, and bench/queue.py would shadow the
# standard library's queue module: put the project root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

COLUMNS = ["first_name", "last_name", "email", "phone", "company", "title", "country", "city", "source", "status"]
HEADERS = ["First Name", "Last Name", "Email", "Phone", "Company", "Title", "Country", "City", "Source", "Status"]
EXPORT_COLUMNS = ["id", *COLUMNS, "created_at"]
STAMP = "2026-01-01 00:00:00"


# --------------------------------------------------------------------------- data


def generate(directory: Path, rows: int) -> dict[str, int]:
    """leads.csv (input), changed.csv (same keys, new values), clean_pg.csv and clean_sqlite.csv
    (the rows an import keeps, in the tables' column order, for the bulk tools)."""
    rng = random.Random(7)
    firsts = ["Anna", "Ben", "Clara", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas"]
    lasts = ["Adler", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen"]
    cities = [("Germany", "Berlin"), ("France", "Lyon"), ("Spain", "Madrid"), ("Italy", "Turin")]
    seen: set[str] = set()
    emitted: list[str] = []
    counts = {"rows": rows, "invalid": 0, "duplicates": 0, "clean": 0}
    files = {name: (directory / f"{name}.csv").open("w", encoding="utf-8", newline="")
             for name in ("leads", "changed", "clean_pg", "clean_sqlite")}
    writers = {name: csv.writer(handle) for name, handle in files.items()}
    writers["leads"].writerow(HEADERS)
    writers["changed"].writerow(HEADERS)
    for i in range(rows):
        first, last = rng.choice(firsts), rng.choice(lasts)
        country, city = rng.choice(cities)
        draw = rng.random()
        if draw < 0.02:
            email = f"{first}.{last}.{i}-at-nowhere"
            counts["invalid"] += 1
        elif draw < 0.07 and emitted:
            email = rng.choice(emitted).upper()  # a duplicate, in other letter case
        else:
            email = f"{first}.{last}.{i}@mail.example.com".lower()
            emitted.append(email)
        row = [first, last, email, f"+49 30 {rng.randrange(10**6, 10**7)}", f"Company {i % 5000}",
               "Buyer", country, city, "Web form", "new"]
        writers["leads"].writerow(row)
        writers["changed"].writerow([*row[:4], f"Renamed {i % 5000}", "Head of Sales", *row[6:9], "contacted"])
        if "@" not in email:
            continue
        key = email.lower()
        if key in seen:
            counts["duplicates"] += 1
            continue
        seen.add(key)
        counts["clean"] += 1
        writers["clean_pg"].writerow([1, *row, 0, STAMP, STAMP])
        # the SQLite table's column order: the lead's own columns, then id, workspace, owner and times
        writers["clean_sqlite"].writerow([*row, 0, None, None, counts["clean"], 1, None, STAMP, STAMP])
    for handle in files.values():
        handle.close()
    return counts


# --------------------------------------------------------------------------- children


def child(step: str, url: str, directory: Path, extra: str | None) -> dict[str, Any]:
    """One measured step in this (child) process; returns seconds and counters."""
    from app.cli.commands import wait_for
    from app.db.engine import make_engine
    from app.engine.runs import get_run
    from app.transfer.api import enqueue_export, enqueue_import

    engine = make_engine(url)
    if step in ("import_skip", "import_update"):
        source = directory / ("changed.csv" if step == "import_update" else "leads.csv")
        t0 = time.perf_counter()
        run_id = enqueue_import(engine, source, "leads", "update" if step == "import_update" else "skip",
                                workspace="bench")
        t1 = time.perf_counter()
        wait_for(engine, run_id)
        t2 = time.perf_counter()
        run = get_run(engine, run_id)
        return {"seconds": t2 - t1, "enqueue": t1 - t0, "status": run.status.value, "created": run.created,
                "updated": run.updated, "skipped": run.skipped, "failed": run.failed}
    if step in ("export_csv", "export_xlsx"):
        fmt = step.split("_")[1]
        run_id = enqueue_export(engine, "leads", fmt, [], EXPORT_COLUMNS, "bench")
        t0 = time.perf_counter()
        wait_for(engine, run_id)
        run = get_run(engine, run_id)
        return {"seconds": time.perf_counter() - t0, "status": run.status.value, "records": (run.result or {}).get("records"),
                "bytes": (run.result or {}).get("file_size")}
    if step == "xlsx_limit":
        import psycopg
        import xlsxwriter
        from sqlalchemy.engine import make_url

        t0 = time.perf_counter()
        book = xlsxwriter.Workbook(str(directory / "limit.xlsx"), {"constant_memory": True})
        sheet = book.add_worksheet("Leads")
        sheet.write_row(0, 0, EXPORT_COLUMNS)
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as conn, conn.cursor(name="rows") as cur:
            cur.itersize = 10_000
            cur.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM leads ORDER BY id")
            for r, row in enumerate(cur, start=1):
                sheet.write_row(r, 0, row)
        book.close()
        return {"seconds": time.perf_counter() - t0}
    raise SystemExit(f"unknown step {step}")


BEFORE_EACH_STEP: list[Any] = []  # e.g. the throwaway server's CHECKPOINT


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """VmHWM of one process. (wait4's ru_maxrss would report at least the parent's size: Linux
    carries the high-water mark across fork and exec.)"""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak RSS MB of that process, stdout). The peak is the
    last VmHWM read while it ran (polled every 20 ms; the mark only grows).

    Each timed step starts from a clean slate: the server's dirty buffers checkpointed and
    the OS's dirty pages written (outside the clock). Otherwise an earlier step's writes
    land in a later one: the kernel writes dirty pages back 30 s after they were made
    (`vm.dirty_expire_centisecs`), and the CSV export right after an import measured
    0.64 of its limit in two rounds and 0.80 once that had passed."""
    for hook in BEFORE_EACH_STEP:
        hook()
    os.sync()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, peak_rss_mb(proc.pid) or 0.0)
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        text, problem = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])}... failed ({proc.returncode}):\n{problem[-3000:]}\n{text[-2000:]}")
    return wall, peak, text


def run_child(step: str, url: str, directory: Path) -> tuple[dict[str, Any], float]:
    _, polled, out = measure([sys.executable, __file__, "--child", step, "--url", url, "--dir", str(directory)])
    got = json.loads(out.strip().splitlines()[-1])
    return got, got.pop("peak_rss_mb", None) or polled


# --------------------------------------------------------------------------- main

SECTIONS = ("pg", "sqlite", "csv", "xlsx")


class Bench:
    """The steps of one run, sharing the generated files and the throwaway server."""

    def __init__(self, directory: Path, counts: dict[str, int], pg: Any) -> None:
        from tests.pg_server import pg_bin_dir

        self.dir, self.counts, self.pg = directory, counts, pg
        self.psql = str(pg_bin_dir() / "psql")
        self.rows: list[tuple[str, float, float, str]] = []
        self.limits: dict[str, float] = {}
        self.ratios: dict[str, list[float]] = {}  # what → rows/s ratio of each round

    def report(self, what: str, rows: int, seconds: float, rss: float, note: str = "") -> None:
        self.rows.append((what, rows / seconds, rss, f"{seconds:.1f} s{'; ' + note if note else ''}"))

    def ratio(self, what: str, limit: str, seconds: float, rows: int | None = None) -> str:
        """Time ratio (the same clean rows stored) and rows/s ratio (input rows per second)."""
        base = self.limits[limit]
        per_row = base / seconds * (rows or self.counts["clean"]) / self.counts["clean"]
        self.ratios.setdefault(what, []).append(per_row)
        return f"ratio {base / seconds:.2f} by time, {per_row:.2f} by rows/s"

    def psql_cmd(self, name: str, command: str) -> list[str]:
        return [self.psql, "-q", "-h", self.pg.host, "-p", str(self.pg.port), "-U", self.pg.user, "-d", name, "-c", command]

    def database(self, name: str) -> str:
        from app.db.engine import make_engine
        from app.db.migrate import upgrade
        from tests.engine_support import add_workspace

        subprocess.run(self.psql_cmd("postgres", f"DROP DATABASE IF EXISTS {name}"), check=True)  # an earlier round's
        subprocess.run(self.psql_cmd("postgres", f"CREATE DATABASE {name}"), check=True)
        upgrade(self.pg.url(name))
        engine = make_engine(self.pg.url(name))
        add_workspace(engine, "bench")
        engine.dispose()
        return str(self.pg.url(name))

    def postgres_import(self) -> None:
        cols = ", ".join(["workspace_id", *COLUMNS, "score", "created_at", "updated_at"])
        self.database("limit_db")
        wall, rss, _ = measure(self.psql_cmd("limit_db", f"\\copy leads ({cols}) FROM '{self.dir / 'clean_pg.csv'}' CSV"))
        self.limits["copy"] = wall
        self.report("psql \\copy of the clean rows (limit)", self.counts["clean"], wall, rss)
        url = self.database("ours_db")
        for step in ("import_skip", "import_update"):
            got, rss = run_child(step, url, self.dir)
            what = f"import {step.split('_')[1]}"
            self.report(what, self.counts["rows"], got["seconds"], rss,
                        f"{self.ratio(what, 'copy', got['seconds'], self.counts['rows'])}; queueing the file "
                        f"{got['enqueue']:.1f} s; {_counters(got)}")

    def sqlite_import(self) -> None:
        from app.db.engine import make_engine
        from app.db.migrate import upgrade
        from tests.engine_support import add_workspace

        shell = shutil.which("sqlite3")
        if not shell:
            raise SystemExit("the sqlite3 shell is missing (Debian: apt-get install sqlite3)")
        limit, ours = self.dir / "limit.sqlite3", self.dir / "ours.sqlite3"
        for path in (limit, ours):
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)  # (left by an earlier run with --data)
            upgrade(f"sqlite:///{path}")
        wall, rss, _ = measure([shell, str(limit), "PRAGMA cache_size=-262144", "PRAGMA journal_mode=WAL",
                                "PRAGMA synchronous=NORMAL", ".mode csv", f".import {self.dir / 'clean_sqlite.csv'} leads"])
        self.limits["import"] = wall
        self.report("sqlite3 .import of the clean rows (limit)", self.counts["clean"], wall, rss)
        add_workspace(make_engine(f"sqlite:///{ours}"), "bench")
        got, rss = run_child("import_skip", f"sqlite:///{ours}", self.dir)
        self.report("import skip, SQLite", self.counts["rows"], got["seconds"], rss,
                    f"{self.ratio('import skip, SQLite', 'import', got['seconds'], self.counts['rows'])}; {_counters(got)}")

    def quiet(self) -> None:
        """No autovacuum: after one step loads a million rows, its worker would vacuum and
        analyze them during the next step (measured: several seconds of a core, taken from
        whichever step came second). Steps that need it vacuum explicitly, outside the clock."""
        subprocess.run(self.psql_cmd("postgres", "ALTER SYSTEM SET autovacuum = off"), check=True)
        subprocess.run(self.psql_cmd("postgres", "SELECT pg_reload_conf()"), check=True, capture_output=True)

    def settle(self, name: str) -> None:
        """VACUUM ANALYZE, as autovacuum would have by the time someone exports."""
        subprocess.run(self.psql_cmd(name, "VACUUM ANALYZE leads"), check=True)

    def csv_export(self) -> None:
        url = self._exportable()
        self.settle("ours_db")
        select = f"SELECT {', '.join(EXPORT_COLUMNS)} FROM leads ORDER BY id"
        wall, rss, _ = measure(self.psql_cmd("ours_db", f"\\copy ({select}) TO '{self.dir / 'limit.csv'}' CSV HEADER"))
        self.limits["copy_to"] = wall
        self.report("COPY TO STDOUT (limit)", self.counts["clean"], wall, rss)
        got, rss = run_child("export_csv", url, self.dir)
        self.report("export CSV", got["records"], got["seconds"], rss,
                    f"{self.ratio('export CSV', 'copy_to', got['seconds'])}; {got['bytes']:,} bytes")

    def xlsx_export(self) -> None:
        url = self._exportable()
        self.settle("ours_db")
        got, rss = run_child("xlsx_limit", url, self.dir)
        self.limits["xlsx"] = got["seconds"]
        self.report("bare xlsxwriter constant_memory loop (limit)", self.counts["clean"], got["seconds"], rss)
        got, rss = run_child("export_xlsx", url, self.dir)
        self.report("export XLSX", got["records"], got["seconds"], rss,
                    f"{self.ratio('export XLSX', 'xlsx', got['seconds'])}; {got['bytes']:,} bytes")

    def _exportable(self) -> str:
        """The database the imports filled (made here when the import steps did not run)."""
        if "copy" in self.limits:
            return str(self.pg.url("ours_db"))
        url = self.database("ours_db")
        run_child("import_skip", url, self.dir)
        self.limits["copy"] = 0.0
        return url


def _counters(got: dict[str, Any]) -> str:
    return ", ".join(f"{got[k]:,} {k}" for k in ("created", "updated", "skipped", "failed") if got.get(k))


def _data(directory: Path, rows: int) -> dict[str, int]:
    """The generated files, reused when the directory already holds them for as many rows."""
    saved = directory / "counts.json"
    if saved.exists():
        counts: dict[str, int] = json.loads(saved.read_text())
        if counts.get("rows") == rows:
            return counts
    counts = generate(directory, rows)
    saved.write_text(json.dumps(counts))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these parts (repeatable)")
    parser.add_argument("--data", help="keep the generated files here and reuse them")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the chosen parts, each ratio against its own round's limit")
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--dir")
    args = parser.parse_args()
    if args.child:
        got = child(args.child, args.url, Path(args.dir), None)
        print(json.dumps({**got, "peak_rss_mb": peak_rss_mb()}))
        return
    from tests.pg_server import PgServer

    sections = args.only or list(SECTIONS)
    with tempfile.TemporaryDirectory(prefix="bd-bench-") as tmp, PgServer() as pg:
        directory = Path(args.data or tmp)
        directory.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        counts = _data(directory, args.rows)
        size = (directory / "leads.csv").stat().st_size
        print(f"{counts['rows']:,} rows ({size / 1e6:.0f} MB): {counts['invalid']:,} invalid, "
              f"{counts['duplicates']:,} duplicates, {counts['clean']:,} clean; generated in {time.perf_counter() - t0:.1f} s",
              flush=True)
        bench = Bench(directory, counts, pg)
        bench.quiet()
        BEFORE_EACH_STEP.append(lambda: subprocess.run(bench.psql_cmd("postgres", "CHECKPOINT"), check=True))
        steps = {"pg": bench.postgres_import, "sqlite": bench.sqlite_import, "csv": bench.csv_export,
                 "xlsx": bench.xlsx_export}
        for _ in range(args.rounds):
            for name in SECTIONS:
                if name in sections:
                    steps[name]()
    print(f"\n{'what':46} {'rows/s':>9} {'peak RSS':>9}  notes")
    for what, rate, rss, note in bench.rows:
        print(f"{what:46} {rate:>9,.0f} {rss:>6.0f} MB  {note}")
    if args.rounds > 1:
        print("\nratio by rows/s, each against its own round's limit: median (min-max)")
        for what, ratios in bench.ratios.items():
            print(f"{what:46} {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) over {len(ratios)} rounds")


if __name__ == "__main__":
    main()
