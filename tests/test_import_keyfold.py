"""Match keys ignore ASCII letter case only, the same in the program and in the database on
both backends, so the counters of an import or sync equal what the table holds afterwards:
`Anna@X.com` is `anna@x.com`, but `JÖRG@x.com` is not `jörg@x.com` (SQLite's lower() never
folded Ö, PostgreSQL's did or did not depending on the server's collation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, insert, literal, select, text
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.db import tables
from app.db.keyfold import fold_key, fold_keys, key_fold
from app.db.migrate import upgrade
from app.transfer.api import enqueue_import
from tests.batchjobs.helpers import run_job
from tests.engine_support import add_workspace
from tests.import_support import count, lead, rows_of, run_to_end, write_csv

TRICKY = ["JÖRG@x.com", "jörg@x.com", "Anna@X.COM", "\u212a@x.com", "İSTANBUL", "STRASSE", "Straße", "ΣΑΣ", "ǅ", ""]
KEY_INDEXES = ("ux_employees_ws_email", "ux_accounts_ws_name", "ux_contacts_ws_email", "ux_leads_ws_email")


def _add_lead(engine: Engine, ws: int, email: str, last_name: str = "Old") -> None:
    with engine.begin() as conn:
        conn.execute(insert(tables.leads).values(workspace_id=ws, last_name=last_name, email=email, status="new",
                                                 score=0, created_at=utcnow(), updated_at=utcnow()))


def _counters_match_the_table(engine: Engine, run: object, before: int, table: str = "leads") -> None:
    assert count(engine, table) == before + run.created  # type: ignore[attr-defined]


def test_fold_is_ascii_only_and_the_bulk_form_agrees() -> None:
    assert fold_key("Anna@X.COM") == "anna@x.com"
    assert fold_key("JÖRG@x.com") == "jÖrg@x.com" and fold_key("\u212a") == "\u212a"
    assert fold_keys(TRICKY) == [fold_key(k) for k in TRICKY]
    assert fold_keys(["A@B.C", "D@E.F"]) == ["a@b.c", "d@e.f"]


def test_the_database_key_expression_folds_as_python_does(engine: Engine) -> None:
    """key_fold (the unique indexes' expression) gives fold_key's answer on either backend,
    whatever the server's collation (the test server's is C.UTF-8, whose lower() folds Ö)."""
    with engine.connect() as conn:
        got = [conn.execute(select(key_fold(literal(k)))).scalar_one() for k in TRICKY]
    assert got == [fold_key(k) for k in TRICKY]


def _accepted(engine: Engine, table: Table, column: str, keys: list[str], **values: object) -> list[str]:
    """The keys the unique index lets in, inserted one by one."""
    accepted = []
    for key in keys:
        try:
            with engine.begin() as conn:
                conn.execute(insert(table).values({column: key, **values}))
            accepted.append(key)
        except IntegrityError:
            pass
    return accepted


def _first_of_each_fold(keys: list[str]) -> list[str]:
    return [k for i, k in enumerate(keys) if fold_key(k) not in {fold_key(x) for x in keys[:i]}]


def test_the_unique_indexes_agree_with_fold_key(engine: Engine) -> None:
    ws = add_workspace(engine)
    emails = ["jörg@x.com", "JÖRG@x.com", "Jörg@X.com", "ANNA@x.com", "anna@X.COM", "K@x.com", "k@x.com", "K@X.com"]
    names = ["Öl AG", "öl AG", "ÖL ag", "Acme", "ACME"]
    assert _accepted(engine, tables.employees, "email", emails, workspace_id=ws, first_name="F", last_name="L",
                     active=True) == _first_of_each_fold(emails) == ["jörg@x.com", "JÖRG@x.com", "ANNA@x.com",
                                                                     "K@x.com", "k@x.com"]
    assert _accepted(engine, tables.accounts, "name", names, workspace_id=ws, created_at=utcnow(),
                     updated_at=utcnow()) == _first_of_each_fold(names) == ["Öl AG", "öl AG", "Acme"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            defs: dict[str, str] = dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"),
                                     {"names": list(KEY_INDEXES)}).all())
        assert sorted(defs) == sorted(KEY_INDEXES) and all('COLLATE "C"' in d for d in defs.values()), defs


def test_the_migration_downgrades_and_upgrades(db_url: str, engine: Engine) -> None:
    upgrade(db_url, "0004_imports_lz4_artifacts")
    upgrade(db_url, "head")
    test_the_unique_indexes_agree_with_fold_key(engine)


@pytest.mark.parametrize("duplicates", ["skip", "update"])
def test_keys_differing_in_non_ascii_case_are_two_records(engine: Engine, tmp_path: Path, duplicates: str) -> None:
    add_workspace(engine)
    rows = [lead(1, email="jörg@x.com"), lead(2, email="Anna@X.com"), lead(3, email="JÖRG@x.com"),
            lead(4, email="anna@x.com")]
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "k.csv", rows), "leads", duplicates,
                                            workspace="main"))
    assert (run.created, run.updated, run.skipped, run.failed) == ((3, 0, 1, 0) if duplicates == "skip" else (3, 1, 0, 0))
    _counters_match_the_table(engine, run, 0)
    expected = "Anna@X.com" if duplicates == "skip" else "anna@x.com"
    assert sorted(rows_of(engine, "leads", "email")) == sorted([("jörg@x.com",), ("JÖRG@x.com",), (expected,)])


@pytest.mark.parametrize("duplicates", ["skip", "update"])
def test_a_workspace_key_differing_in_non_ascii_case_is_not_a_duplicate(engine: Engine, tmp_path: Path,
                                                                       duplicates: str) -> None:
    ws = add_workspace(engine)
    _add_lead(engine, ws, "JÖRG@x.com")
    _add_lead(engine, ws, "Anna@X.com")
    rows = [lead(1, email="jörg@x.com"), lead(2, email="anna@x.com"), lead(3, email="JÖRG@x.com")]
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "w.csv", rows), "leads", duplicates,
                                            workspace="main"))
    assert (run.created, run.updated, run.skipped) == ((1, 0, 2) if duplicates == "skip" else (1, 2, 0))
    _counters_match_the_table(engine, run, 2)
    last_names = dict(rows_of(engine, "leads", "email", "last_name"))
    assert last_names["jörg@x.com"] == "Last1"
    assert last_names["JÖRG@x.com"] == ("Old" if duplicates == "skip" else "Last3")


def test_accounts_fold_their_names_the_same_way(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine)
    rows = [["Öl AG", "1"], ["öl AG", "2"], ["Acme", "3"], ["ACME", "4"]]
    path = write_csv(tmp_path / "a.csv", rows, ["Account Name", "Employees"])
    run = run_to_end(engine, enqueue_import(engine, path, "accounts", "update", workspace="main"))
    assert (run.created, run.updated) == (3, 1)
    _counters_match_the_table(engine, run, 0, "accounts")
    assert sorted(rows_of(engine, "accounts", "name", "employees")) == [("ACME", 4), ("Öl AG", 1), ("öl AG", 2)]


def test_owner_references_resolve_by_the_same_fold(engine: Engine, tmp_path: Path) -> None:
    """Two employees whose e-mails differ in non-ASCII case are two owners (once one lookup
    dictionary folded them together and gave both rows the same owner)."""
    ws = add_workspace(engine)
    with engine.begin() as conn:
        ids = {e: int(conn.execute(insert(tables.employees).values(workspace_id=ws, email=e, first_name="F", last_name="L",
                                                                   active=True).returning(tables.employees.c.id)).scalar_one())
               for e in ("jörg@corp.example", "JÖRG@corp.example")}
    rows = [["A", "a@x.com", "JÖRG@CORP.EXAMPLE"], ["B", "b@x.com", "JöRG@Corp.Example"]]
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "o.csv", rows, ["Last Name", "Email", "Owner"]),
                                            "leads", workspace="main"))
    assert (run.created, run.failed) == (2, 0)
    assert rows_of(engine, "leads", "owner_id") == [(ids["JÖRG@corp.example"],), (ids["jörg@corp.example"],)]


def test_sync_merges_by_the_same_fold(engine: Engine, tmp_path: Path) -> None:
    ws = add_workspace(engine)
    _add_lead(engine, ws, "JÖRG@x.com")
    drop = tmp_path / "drop"
    drop.mkdir()
    write_csv(drop / "people.csv", [[m, f"S{i}"] for i, m in enumerate(["jörg@x.com", "Anna@X.com", "anna@x.com",
                                                                         "JÖRG@x.com"])], ["Email", "Last Name"])
    run = run_job(engine, "sync", {"module": "leads", "source": "folder", "folder": str(drop)}, workspace=ws)
    assert (run.processed, run.created, run.updated, run.failed) == (4, 2, 1, 0), run.error
    _counters_match_the_table(engine, run, 1)
    assert sorted(rows_of(engine, "leads", "email", "last_name")) == [  # the later row of a new key wins
        ("JÖRG@x.com", "S3"), ("anna@x.com", "S2"), ("jörg@x.com", "S0")]
