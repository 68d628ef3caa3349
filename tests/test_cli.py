"""The command line's contract: JSON shapes, exit codes, one-line errors (both backends)."""

from __future__ import annotations

import json

from tests.engine_support import add_workspace


def _json(result):  # type: ignore[no-untyped-def]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_types_lists_every_job_with_category_and_schema(cli, db_url):
    types = {t["key"]: t for t in _json(cli("jobs", "types", "--json", db=db_url))}
    assert types["rebuild_search_index"]["category"] == "troubleshooting"
    assert types["retention_cleanup"]["category"] == "scheduled"
    for job in types.values():
        assert job["category"] in ("operation", "scheduled", "troubleshooting")
        assert job["title"] and job["schema"]["type"] == "object"
        for name, prop in job["schema"].get("properties", {}).items():
            assert prop.get("title") and prop.get("description"), f"{job['key']}.{name} needs a title and description"


def test_run_wait_show_list_replay(cli, db_url, engine):
    add_workspace(engine, "emea")
    run = _json(cli("run", "rebuild_search_index", "--workspace", "emea", "--set", "modules=leads,accounts",
                    "--wait", "--json", db=db_url))
    assert run["status"] == "completed" and run["workspace"] == "emea"
    assert run["params"]["modules"] == ["leads", "accounts"] and run["counters"]["processed"] == 2
    shown = _json(cli("jobs", "show", str(run["id"]), "--json", db=db_url))
    assert shown["id"] == run["id"] and shown["finished_at"] and shown["artifacts"] == []
    listed = _json(cli("jobs", "list", "--status", "Completed", "--json", db=db_url))
    assert [r["id"] for r in listed] == [run["id"]]
    again = _json(cli("jobs", "replay", str(run["id"]), "--run-date", "2031-02-03", "--wait", "--json", db=db_url))
    assert again["replay_of"] == run["id"] and again["run_date"] == "2031-02-03" and again["status"] == "completed"


def test_queued_run_can_be_cancelled(cli, db_url):
    queued = _json(cli("run", "retention_cleanup", "--json", db=db_url))
    assert queued["status"] == "pending" and queued["started_at"] is None
    cancelled = _json(cli("jobs", "cancel", str(queued["id"]), "--json", db=db_url))
    assert cancelled["status"] == "stopped"


def test_usage_errors_exit_2_with_one_line(cli, db_url):
    for args, words in (
        (("run", "no_such_job"), "unknown job type 'no_such_job'"),
        (("run", "rebuild_search_index", "--set", "colour=blue"), "has no option 'colour'"),
        (("run", "rebuild_search_index", "--set", "modules=planets"), "invalid options"),
        (("run", "retention_cleanup", "--run-date", "31/12/2026"), "not a date"),
        (("jobs", "show", "999"), "no run with id 999"),
        (("jobs", "list", "--status", "done"), "unknown status"),
    ):
        result = cli(*args, db=db_url)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert words in lines[-1] and lines[-1].startswith("batchdesk: "), result.stderr


def test_missing_file_to_download_exits_1(cli, db_url):
    run = _json(cli("run", "retention_cleanup", "--wait", "--json", db=db_url))
    result = cli("jobs", "download", str(run["id"]), "-o", "out.csv", db=db_url)
    assert result.returncode == 1 and "has no file" in result.stderr


def test_dead_database_is_one_clear_line(cli):
    result = cli("jobs", "list", db="postgresql://nobody@127.0.0.1:9/nowhere")
    assert result.returncode == 1
    assert result.stderr.startswith("batchdesk: cannot use the database at postgresql") and "Traceback" not in result.stderr


def test_db_upgrade_and_demo(cli, db_url):
    assert cli("db", "upgrade", db=db_url).returncode == 0
    counts = _json(cli("demo", "--small", "--json", db=db_url))
    assert counts["workspaces"] == 2 and counts["leads"] >= 2000
    assert _json(cli("demo", "--small", "--json", db=db_url)) == {"workspaces": 0}, "demo data is never doubled"


def test_a_dry_run_says_so_in_its_summary(cli, db_url, engine):
    """`run bulk_delete` deletes unless told otherwise (the contract); a dry run says it changed nothing."""
    add_workspace(engine, "emea")
    dry = cli("run", "bulk_delete", "--workspace", "emea", "--set", "module=leads", "--set", "where=status=new",
              "--set", "dry_run=true", "--wait", db=db_url)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing was changed" in dry.stdout
    real = cli("run", "bulk_delete", "--workspace", "emea", "--set", "module=leads", "--set", "where=status=new",
               "--wait", "--json", db=db_url)
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout)["params"]["dry_run"] is False
