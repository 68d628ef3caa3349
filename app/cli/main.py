"""Entry point: parses the command line and hands each command to its module."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from app.cli.errors import EXIT_RUN_FAILED, EXIT_SIGPIPE, EXIT_USAGE, CommandFailed, UsageError


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def common() -> Parser:
    """--db and --json are accepted before or after the command."""
    parent = Parser(add_help=False)
    parent.add_argument("--db", default=argparse.SUPPRESS, help="database URL (default: BATCHDESK_DB, then the embedded SQLite file)")
    parent.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    return parent


def build_parser() -> Parser:
    from app.cli import commands, transfer

    shared = common()
    parser = Parser(prog="batchdesk", description="Batchdesk: run, watch, schedule and replay batch jobs.",
                    parents=[shared])
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    gui = sub.add_parser("gui", parents=[shared], help="open the console (the default)")
    gui.add_argument("--screenshot", metavar="DIR", help="save a PNG of every page into DIR and exit")
    gui.set_defaults(func=commands.gui)

    db = sub.add_parser("db", parents=[shared], help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    db_sub.add_parser("upgrade", parents=[shared], help="migrate the schema to the newest version").set_defaults(func=commands.db_upgrade)

    demo = sub.add_parser("demo", parents=[shared], help="fill the database with demo data")
    demo.add_argument("--small", action="store_true", help="a smaller data set (for tests)")
    demo.set_defaults(func=commands.demo)

    worker = sub.add_parser("worker", parents=[shared], help="headless worker and scheduler")
    worker.add_argument("--concurrency", type=int, default=2, metavar="N")
    worker.add_argument("--once", action="store_true", help="enqueue today's scheduled runs, work until the queue is empty, exit")
    worker.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one worker driven by a console
    worker.set_defaults(func=commands.worker)

    run = sub.add_parser("run", parents=[shared], help="run a job")
    run.add_argument("type")
    _run_options(run)
    run.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
    run.set_defaults(func=commands.run)

    imp = sub.add_parser("import", parents=[shared], help="import a CSV or XLSX file")
    imp.add_argument("file")
    imp.add_argument("--module", required=True)
    imp.add_argument("--duplicates", choices=["skip", "update"], default="skip")
    imp.add_argument("--template")
    imp.add_argument("--map", dest="mappings", action="append", default=[], metavar="COLUMN=FIELD")
    imp.add_argument("--sheet")
    imp.add_argument("--dry-run", action="store_true")
    _run_options(imp)
    imp.set_defaults(func=transfer.import_file)

    exp = sub.add_parser("export", parents=[shared], help="export records to CSV or Excel")
    exp.add_argument("--module", required=True)
    exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exp.add_argument("--where", dest="filters", action="append", default=[], metavar="FIELD=VALUE")
    exp.add_argument("--columns")
    exp.add_argument("-o", "--output", required=True)
    _run_options(exp)
    exp.set_defaults(func=transfer.export_records)

    jobs = sub.add_parser("jobs", parents=[shared], help="job history")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, parser_class=Parser)
    listing = jobs_sub.add_parser("list", parents=[shared])
    listing.add_argument("--status")
    listing.add_argument("--type")
    listing.add_argument("--module")
    listing.add_argument("--user")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=commands.jobs_list)
    for name, func in (("show", commands.jobs_show), ("cancel", commands.jobs_cancel)):
        p = jobs_sub.add_parser(name, parents=[shared])
        p.add_argument("id", type=int)
        p.set_defaults(func=func)
    rep = jobs_sub.add_parser("replay", parents=[shared])
    rep.add_argument("id", type=int)
    rep.add_argument("--run-date")
    rep.add_argument("--wait", action="store_true")
    rep.set_defaults(func=commands.jobs_replay)
    for name, func in (("failed-records", commands.jobs_failed_records), ("download", commands.jobs_download)):
        p = jobs_sub.add_parser(name, parents=[shared])
        p.add_argument("id", type=int)
        p.add_argument("-o", "--output", required=True)
        p.set_defaults(func=func)
    jobs_sub.add_parser("types", parents=[shared]).set_defaults(func=commands.jobs_types)
    return parser


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workspace")
    p.add_argument("--run-date")
    p.add_argument("--wait", action="store_true", help="run in this process and print the summary")


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        args.db = getattr(args, "db", None)
        args.json = getattr(args, "json", False)
        if not getattr(args, "command", None):
            from app.cli import commands

            return commands.gui(args)
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"batchdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed as exc:
        print(f"batchdesk: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except KeyboardInterrupt:
        print("batchdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`batchdesk jobs list | head`): stop quietly, as other tools do,
        # and keep Python from raising again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
