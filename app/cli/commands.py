"""The commands other than import/export: console, schema, demo, worker, run, jobs."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
from typing import Any

from sqlalchemy import Engine

from app.cli.database import open_database
from app.cli.errors import EXIT_OK, EXIT_RUN_FAILED, CommandFailed, UsageError
from app.cli.files import missing_file, output_path, save_artifact
from app.cli.output import emit_json, run_summary, table
from app.cli.params import parse_assignments
from app.engine import artifacts, history
from app.engine.executor import execute
from app.engine.jobtype import JobType
from app.engine.recovery import recover_orphans
from app.engine.registry import UnknownJobType, get_job_type, job_types
from app.engine.runs import (
    OptionsError,
    RunNotFound,
    claim,
    enqueue,
    get_run,
    replay,
    request_cancel,
    run_json,
)
from app.engine.scheduler import DailyScheduler, enqueue_due
from app.engine.status import RunStatus
from app.engine.worker import Worker, WorkerPool, worker_name
from app.records.modules import MODULES


def parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


def gui(args: argparse.Namespace) -> int:
    try:
        from ui.app import DisplayUnavailable, run_console
    except ImportError as exc:
        raise CommandFailed(f"the console cannot start: {exc}") from None
    try:
        return run_console(db=args.db, screenshot_dir=getattr(args, "screenshot", None))
    except DisplayUnavailable as exc:
        raise CommandFailed(str(exc)) from None


def db_upgrade(args: argparse.Namespace) -> int:
    open_database(args.db, seed_default=False)
    print("database is up to date")
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    from app.demo import seed

    engine = open_database(args.db, seed_default=False)
    counts = seed(engine, small=args.small)
    if args.json:
        emit_json(counts)
    else:
        print("demo data: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
    return EXIT_OK


def worker(args: argparse.Namespace) -> int:
    if args.child:  # a console's local worker process (see app.engine.child)
        from app.engine.child import main as child_main

        return child_main()
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    engine = open_database(args.db)
    enqueue_due(engine)
    pool = WorkerPool(engine, args.concurrency)
    if args.once:
        pool.start(until_empty=True)
        pool.join()
        return EXIT_OK
    scheduler = DailyScheduler(engine)
    scheduler.start()
    pool.start()
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    print(f"worker running with {args.concurrency} threads; Ctrl+C stops it", flush=True)
    stopped.wait()
    scheduler.shutdown()
    pool.stop()
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    engine = open_database(args.db)
    job = _job_type(args.type)
    params = parse_assignments(args.assignments, job)
    return submit(engine, job.key, params, args)


def _job_type(key: str) -> JobType:
    try:
        return get_job_type(key)
    except UnknownJobType as exc:
        raise UsageError(str(exc)) from None


def submit(engine: Engine, job_key: str, params: dict[str, Any], args: argparse.Namespace, **extra: Any) -> int:
    """Enqueue, optionally run here (--wait), print the run; exit code from its status."""
    try:
        run_id = enqueue(engine, job_key, params, workspace=args.workspace, run_date=parse_date(args.run_date), **extra)
    except OptionsError as exc:
        raise UsageError(str(exc)) from None
    return report(engine, run_id, args)


def report(engine: Engine, run_id: int, args: argparse.Namespace) -> int:
    if getattr(args, "wait", False):
        wait_for(engine, run_id)
    data = run_json(engine, run_id)
    if args.json:
        emit_json(data)
    else:
        print(run_summary(data))
    status = RunStatus(data["status"])
    if status is RunStatus.FAILED:
        reason = (data.get("error") or "see its log").strip().splitlines()[0]
        print(f"batchdesk: run {run_id} failed: {reason}", file=sys.stderr)
    elif status is RunStatus.STOPPED:
        print(f"batchdesk: run {run_id} was cancelled; what it did before is kept", file=sys.stderr)
    return EXIT_RUN_FAILED if status in (RunStatus.FAILED, RunStatus.STOPPED) else EXIT_OK


def wait_for(engine: Engine, run_id: int) -> None:
    """Run it in this process; if another worker took it first, follow it to its end."""
    name = worker_name()
    record = claim(engine, name, run_id)
    if record is not None:
        execute(engine, record, name)
        return
    follower = Worker(engine, name)
    while not get_run(engine, run_id).status.finished:
        follower.recover()
        follower.stop_event.wait(0.2)


def jobs_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError(f"--limit must be at least 1, got {args.limit}")
    job_key = _job_type(args.type).key if args.type else None
    if args.module and args.module.strip().lower() not in MODULES:
        raise UsageError(f"unknown module {args.module!r}; use one of: {', '.join(MODULES)}")
    engine = open_database(args.db)
    recover_orphans(engine)  # a run whose worker died reads as what it is, even with no worker left
    try:
        flt = history.RunFilter(
            types=[job_key] if job_key else [],
            statuses=[RunStatus.parse(args.status)] if args.status else [],
            modules=[args.module.strip().lower()] if args.module else [],
            users=[args.user] if args.user else [],
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    records = history.list_runs(engine, flt, limit=args.limit)
    if args.json:
        emit_json([run_json(engine, r.id) for r in records])
        return EXIT_OK
    rows = [[str(r.id), r.type, r.module or "", r.status.label, r.progress_text(), str(r.failed),
             r.queued_at.strftime("%Y-%m-%d %H:%M"), r.initiated_by or ""] for r in records]
    print(table(rows, ["ID", "TYPE", "MODULE", "STATUS", "PROGRESS", "FAILED", "QUEUED", "BY"]))
    return EXIT_OK


def _existing(engine: Engine, run_id: int) -> None:
    try:
        get_run(engine, run_id)
    except RunNotFound as exc:
        raise UsageError(str(exc)) from None


def jobs_show(args: argparse.Namespace) -> int:
    engine = open_database(args.db)
    _existing(engine, args.id)
    recover_orphans(engine)
    data = run_json(engine, args.id)
    if args.json:
        emit_json(data)
    else:
        print(run_summary(data))
    return EXIT_OK


def jobs_cancel(args: argparse.Namespace) -> int:
    engine = open_database(args.db)
    _existing(engine, args.id)
    status = request_cancel(engine, args.id)
    if status.finished and status is not RunStatus.STOPPED:
        raise CommandFailed(f"run {args.id} already ended ({status.label}); nothing to cancel")
    if args.json:
        emit_json(run_json(engine, args.id))
    else:
        print(f"run {args.id}: " + ("cancelled" if status is RunStatus.STOPPED else "cancel requested; the worker stops it shortly"))
    return EXIT_OK


def jobs_replay(args: argparse.Namespace) -> int:
    engine = open_database(args.db)
    _existing(engine, args.id)
    try:
        new_id = replay(engine, args.id, run_date=parse_date(args.run_date))
    except OptionsError as exc:
        raise UsageError(str(exc)) from None
    return report(engine, new_id, args)


def _save_artifact(engine: Engine, run_id: int, kinds: tuple[str, ...], output: str, what: str) -> int:
    path = output_path(output)
    _existing(engine, run_id)
    with engine.connect() as conn:
        found = next((a for kind in kinds if (a := artifacts.find(conn, run_id, kind)) is not None), None)
    if found is None:
        raise CommandFailed(missing_file(engine, run_id, what))
    size = save_artifact(engine, found, path)
    print(f"saved {what} of run {run_id} to {output} ({size:,} bytes)")
    return EXIT_OK


def jobs_failed_records(args: argparse.Namespace) -> int:
    return _save_artifact(open_database(args.db), args.id, ("failed_records",), args.output, "failed-records file")


def jobs_download(args: argparse.Namespace) -> int:
    return _save_artifact(open_database(args.db), args.id, ("export", "error_report", "failed_records"), args.output, "file")


def jobs_types(args: argparse.Namespace) -> int:
    types: list[dict[str, Any]] = [{"key": j.key, "title": j.title, "category": j.category.value, "description": j.description,
              "module": j.module, "schema": j.schema()} for j in job_types().values()]
    if args.json:
        emit_json(types)
    else:
        print(table([[t["key"], t["category"], t["title"]] for t in types], ["KEY", "CATEGORY", "TITLE"]))
    return EXIT_OK
