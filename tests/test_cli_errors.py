"""Wrong input on the command line ends in one line a person understands and the exit
status SPEC gives (2 usage, 1 failed), never a traceback — on both backends."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine_support import add_workspace


def _one_line(result, code: int, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("batchdesk: ") and words in last, result.stderr


def test_output_to_a_missing_folder_or_a_folder_is_a_usage_error(cli, db_url, engine, tmp_path: Path):
    add_workspace(engine, "main")
    source = tmp_path / "leads.csv"
    source.write_text("first_name,last_name,email\nAnn,,ann@example.com\n", encoding="utf-8")
    run = json.loads(cli("import", str(source), "--module", "leads", "--wait", "--json", db=db_url, check=True).stdout)
    assert run["counters"]["failed"] == 1
    for command in ("failed-records", "download"):
        _one_line(cli("jobs", command, str(run["id"]), "-o", str(tmp_path / "nowhere" / "x.csv"), db=db_url),
                  2, "no such folder")
        _one_line(cli("jobs", command, str(run["id"]), "-o", str(tmp_path), db=db_url), 2, "it is a folder")
    _one_line(cli("export", "--module", "leads", "-o", str(tmp_path), "--wait", db=db_url), 2, "it is a folder")
    _one_line(cli("import", str(tmp_path), "--module", "leads", db=db_url), 2, "it is a folder, not a CSV or XLSX file")
    assert not list(tmp_path.glob("*.part")), "no half-written file is left behind"
    saved = cli("jobs", "failed-records", str(run["id"]), "-o", str(tmp_path / "failed.csv"), db=db_url)
    assert saved.returncode == 0 and (tmp_path / "failed.csv").read_text(encoding="utf-8").startswith("first_name")


def test_jobs_list_checks_its_filters(cli, db_url):
    for args, words in (
        (("--limit", "-1"), "--limit must be at least 1"),
        (("--limit", "0"), "--limit must be at least 1"),
        (("--type", "no_such_job"), "unknown job type 'no_such_job'"),
        (("--module", "planets"), "unknown module 'planets'"),
    ):
        _one_line(cli("jobs", "list", *args, db=db_url), 2, words)


def test_job_type_by_title_and_options_error_without_pydantic_prefix(cli, db_url):
    run = json.loads(cli("run", "Re-score", "--set", "dry_run=true", "--wait", "--json", db=db_url, check=True).stdout)
    assert run["type"] == "rescore"
    listed = json.loads(cli("jobs", "list", "--type", "Re-score", "--module", "Leads", "--json", db=db_url, check=True).stdout)
    assert [r["id"] for r in listed] == [run["id"]]
    result = cli("run", "rescore", "--set", "where=planet=mars", db=db_url)
    _one_line(result, 2, "leads have no field 'planet'")
    assert "Value error" not in result.stderr


def test_unsupported_database_url_is_a_usage_error(cli):
    _one_line(cli("jobs", "list", db="mysql://someone@127.0.0.1/crm"), 2, "unsupported database 'mysql'")


def test_a_failed_or_cancelled_run_says_why_on_stderr(cli, db_url, engine, tmp_path: Path):
    """Exit 1 for a run that failed or was stopped comes 'always with a one-line message on
    stderr' (SPEC), also with --json, whose stdout stays the run alone."""
    add_workspace(engine, "main")
    failed = cli("run", "sync", "--workspace", "main", "--set", "source=folder", "--set", f"folder={tmp_path / 'none'}",
                 "--wait", "--json", db=db_url)
    _one_line(failed, 1, "failed: SourceError: the drop folder")
    assert json.loads(failed.stdout)["status"] == "failed"
    queued = json.loads(cli("run", "retention_cleanup", "--json", db=db_url, check=True).stdout)
    assert cli("jobs", "cancel", str(queued["id"]), db=db_url).returncode == 0
    stopped = cli("jobs", "replay", str(queued["id"]), db=db_url)
    assert stopped.returncode == 0 and stopped.stderr == "", "a queued replay is no failure"


def test_report_of_a_stopped_run_says_so(engine, capsys):
    import argparse

    from app.cli.commands import report
    from app.engine.runs import enqueue, request_cancel

    run_id = enqueue(engine, "retention_cleanup", {})
    request_cancel(engine, run_id)
    assert report(engine, run_id, argparse.Namespace(json=True, wait=False)) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["status"] == "stopped"
    assert out.err == f"batchdesk: run {run_id} was cancelled; what it did before is kept\n"


def test_a_reader_that_goes_away_is_no_traceback(cli, db_url):
    """`batchdesk jobs types --json | head -1`: the pipe closes before the output is written;
    the command stops quietly with the shell's SIGPIPE status instead of a BrokenPipeError."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "app.cli.main", "--db", db_url, "jobs", "types", "--json"],
                            cwd=cli.home, env=cli.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # long before the child has imported enough to print
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_a_run_whose_worker_died_reads_true_with_no_worker_left(cli, db_url, engine):
    """SIGKILLed worker, no other worker or console running: `jobs show` / `jobs list` find the
    orphan past its lease and show it failed with the reason in its log (a resumable import is
    queued again), instead of 'started' forever."""
    import datetime as dt

    from sqlalchemy import update

    from app.clock import utcnow
    from app.db import tables
    from app.engine.history import log_lines
    from app.engine.runs import claim, enqueue

    run_id = enqueue(engine, "rebuild_search_index", {})
    assert claim(engine, "dead-host:1:0", run_id) is not None
    with engine.begin() as conn:
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id)
                     .values(heartbeat_at=utcnow() - dt.timedelta(minutes=5)))
    shown = json.loads(cli("jobs", "show", str(run_id), "--json", db=db_url, check=True).stdout)
    assert shown["status"] == "failed" and "stopped responding" in shown["error"]
    assert log_lines(engine, run_id)[-1]["message"].startswith("Failed: Worker dead-host:1:0 stopped responding")
    listed = json.loads(cli("jobs", "list", "--status", "failed", "--json", db=db_url, check=True).stdout)
    assert [r["id"] for r in listed] == [run_id]


def test_a_file_gone_with_retention_says_so(cli, db_url, engine, tmp_path: Path):
    """Seed 000: 'After 7 days, the file is deleted and you will need to re-export.'"""
    import datetime as dt

    from sqlalchemy import update

    from app.clock import utcnow
    from app.db import tables
    from app.engine.runs import enqueue

    add_workspace(engine, "main")
    run = json.loads(cli("export", "--module", "leads", "-o", str(tmp_path / "x.csv"), "--wait", "--json",
                         db=db_url, check=True).stdout)
    with engine.begin() as conn:
        conn.execute(update(tables.artifacts).where(tables.artifacts.c.run_id == run["id"])
                     .values(created_at=utcnow() - dt.timedelta(days=8)))
    assert cli("run", "retention_cleanup", "--wait", db=db_url).returncode == 0
    _one_line(cli("jobs", "download", str(run["id"]), "-o", str(tmp_path / "y.csv"), db=db_url), 1,
              f"the export file of run {run['id']} was deleted: export files are kept 7 days; export again")
    queued = enqueue(engine, "rescore", {})
    _one_line(cli("jobs", "download", str(queued), "-o", str(tmp_path / "z.csv"), db=db_url), 1,
              f"run {queued} has not finished (Queued); it has no file yet")
