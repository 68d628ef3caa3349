"""Sync from another SQL database and from a drop folder of CSV files, on both backends."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
    update,
)

from app.db import tables
from app.engine.history import row_errors
from app.engine.runs import OptionsError, enqueue
from app.engine.status import RunStatus
from jobs import sync
from tests.batchjobs.helpers import run_job
from tests.batchjobs.world import build
from tests.db_checksum import domain_checksums

leads = tables.leads
T0 = dt.datetime(2026, 1, 5, 9, 0)


@pytest.fixture
def source_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A legacy CRM table in a separate SQLite database, with its own column names."""
    engine = create_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
    meta = MetaData()
    people = Table("people", meta, Column("pk", Integer, primary_key=True), Column("mail_address", String),
                   Column("First Name", String), Column("surname", String), Column("Status", String),
                   Column("Organization", String), Column("changed", DateTime))
    meta.create_all(engine)
    rows = [{"pk": i, "mail_address": f"p{i}@legacy.example", "First Name": f"P{i}", "surname": f"S{i}",
             "Status": "new", "Organization": "Legacy Ltd", "changed": T0 + dt.timedelta(hours=i // 2)} for i in range(1, 11)]
    rows[3]["mail_address"] = "not-an-email"
    with engine.begin() as conn:
        conn.execute(insert(people), rows)
    yield engine, people
    engine.dispose()


def params(engine: Engine, **extra: object) -> dict[str, object]:
    return {"module": "leads", "source": "database", "url": str(engine.url), "table": "people",
            "change_column": "changed", "columns": ["email=mail_address", "last_name=surname"], **extra}


def lead_emails(engine: Engine, ws: int) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(leads.c.email, leads.c.first_name).where(leads.c.workspace_id == ws)).all())


def test_database_sync_pulls_new_rows_then_only_changes(engine: Engine, source_db) -> None:  # type: ignore[no-untyped-def]
    w = build(engine)
    src, people = source_db
    first = run_job(engine, "sync", params(src), workspace=w.ws_b)
    assert first.status is RunStatus.WARNING, first.error  # one row fails validation
    assert (first.created, first.failed, first.processed) == (9, 1, 10)
    errors = row_errors(engine, first.id)
    assert errors[0]["message"] == "Email field invalid: 'not-an-email'" and errors[0]["raw"]["pk"] == 4
    synced = lead_emails(engine, w.ws_b)
    assert synced["p1@legacy.example"] == "P1" and "not-an-email" not in synced

    before = domain_checksums(engine)
    second = run_job(engine, "sync", params(src), workspace=w.ws_b)
    assert second.status is RunStatus.COMPLETED and second.processed == 0
    assert domain_checksums(engine) == before

    with src.begin() as conn:
        conn.execute(update(people).where(people.c.pk == 2).values({"First Name": "Petra", "changed": T0 + dt.timedelta(days=1)}))
        conn.execute(insert(people).values(pk=11, mail_address="P1@LEGACY.EXAMPLE", surname="Dup", Status="new",
                                           changed=T0 + dt.timedelta(days=1)))
    third = run_job(engine, "sync", params(src), workspace=w.ws_b)
    assert (third.processed, third.created, third.updated) == (2, 0, 2)
    assert lead_emails(engine, w.ws_b)["p2@legacy.example"] == "Petra"

    skip = run_job(engine, "sync", params(src, duplicates="skip"), workspace=w.ws_a)
    assert skip.created == 9 and skip.skipped == 1, "the later row with the same e-mail is a duplicate"


def test_database_sync_dry_run_changes_nothing(engine: Engine, source_db) -> None:  # type: ignore[no-untyped-def]
    w = build(engine)
    src, _ = source_db
    before = domain_checksums(engine)
    run = run_job(engine, "sync", params(src, dry_run=True), workspace=w.ws_b)
    assert run.processed == 10 and run.result and run.result["created"] == 9
    assert domain_checksums(engine) == before


def test_database_sync_cancel_keeps_the_committed_batches(engine: Engine, source_db,  # type: ignore[no-untyped-def]
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    w = build(engine)
    src, _ = source_db
    monkeypatch.setattr(sync, "BATCH", 3)
    run = run_job(engine, "sync", params(src), workspace=w.ws_b, cancel_after=3)
    assert run.status is RunStatus.STOPPED
    kept = lead_emails(engine, w.ws_b)
    assert 0 < len(kept) - 6 < 9
    rest = run_job(engine, "sync", params(src), workspace=w.ws_b)
    assert rest.status is RunStatus.WARNING and len(lead_emails(engine, w.ws_b)) == 6 + 9
    assert rest.created + len(kept) - 6 == 9


def test_past_run_date_only_pulls_changes_up_to_that_day(engine: Engine, source_db) -> None:  # type: ignore[no-untyped-def]
    w = build(engine)
    src, _ = source_db
    run = run_job(engine, "sync", params(src), workspace=w.ws_b, run_date=dt.date(2026, 1, 4))
    assert run.processed == 0
    assert run_job(engine, "sync", params(src), workspace=w.ws_b, run_date=dt.date(2026, 1, 5)).processed == 10


def write_csv(folder: Path, name: str, text: str, mtime: float, encoding: str = "utf-8") -> None:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    os.utime(path, (mtime, mtime))


def test_folder_sync_takes_each_file_once(engine: Engine, tmp_path: Path) -> None:
    w = build(engine)
    drop = tmp_path / "drop"
    drop.mkdir()
    base = dt.datetime(2026, 2, 1).timestamp()
    write_csv(drop, "a.csv", "Name;Domain;Industry\nUmbrella;umbrella.example;Pharma\nAcme;acme.example;Toys\n", base)
    write_csv(drop, "b.csv", "Account Name,Country,Employees\nStark,Sweden,12\nWayne,Spain,many\n", base + 60,
              encoding="cp1252")
    opts = {"module": "accounts", "source": "folder", "folder": str(drop)}
    first = run_job(engine, "sync", opts, workspace=w.ws_a)
    assert (first.created, first.updated, first.failed) == (2, 1, 1), first.error
    with engine.connect() as conn:
        rows = dict(conn.execute(select(tables.accounts.c.name, tables.accounts.c.industry)
                                 .where(tables.accounts.c.workspace_id == w.ws_a)).all())
    assert rows["Acme"] == "Toys" and rows["Umbrella"] == "Pharma" and "Stark" in rows
    before = domain_checksums(engine)
    assert run_job(engine, "sync", opts, workspace=w.ws_a).processed == 0
    assert domain_checksums(engine) == before
    write_csv(drop, "c.csv", "name,industry\nUmbrella,Biotech\n", base + 120)
    dry = run_job(engine, "sync", {**opts, "dry_run": True}, workspace=w.ws_a)
    assert dry.processed == 1 and domain_checksums(engine) == before
    third = run_job(engine, "sync", opts, workspace=w.ws_a)
    assert third.updated == 1 and third.processed == 1


@pytest.mark.parametrize("bad", [
    {"source": "database", "url": ""},
    {"source": "folder"},
    {"source": "folder", "folder": "/tmp", "columns": ["shoe_size=x"]},
    {"source": "database", "url": "postgresql://crm:secret@db.example/crm", "table": "people"},
])
def test_incomplete_sync_options_are_refused(engine: Engine, bad: dict[str, object]) -> None:
    with pytest.raises(OptionsError):
        enqueue(engine, "sync", {"module": "leads", **bad})


def test_unreadable_source_fails_with_a_clear_message(engine: Engine, tmp_path: Path) -> None:
    w = build(engine)
    run = run_job(engine, "sync", {"module": "leads", "source": "database", "url": f"sqlite:///{tmp_path / 'none.db'}",
                                   "table": "people"}, workspace=w.ws_a)
    assert run.status is RunStatus.FAILED and "has no table 'people'" in (run.error or "")


def test_source_password_comes_from_the_keyring_not_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    from app.domain.sync_sources import KEYRING_SERVICE, SqlSource

    class OneSecret(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return "s3cret" if (service, username) == (KEYRING_SERVICE, "crm@db.example") else None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

    before = keyring.get_keyring()
    keyring.set_keyring(OneSecret())
    try:
        source = SqlSource("postgresql://crm@db.example/legacy", "people", "changed", "leads", {})
    finally:
        keyring.set_keyring(before)
    assert ":s3cret@" in source.url
    assert "s3cret" not in source.key and "s3cret" not in source.description


def test_folder_sync_with_a_blank_created_at_keeps_or_stamps_it(engine: Engine, tmp_path: Path) -> None:
    """A created_at column left blank is 'not given', as in an import: a new lead gets now, an
    updated one keeps its date (it used to write NULL into the NOT NULL column and fail the run)."""
    w = build(engine)
    drop = tmp_path / "drop"
    drop.mkdir()
    base = dt.datetime(2026, 2, 1).timestamp()
    write_csv(drop, "a.csv", "first_name,last_name,email,created_at\nAnn,Lee,ann@lee.example,2025-03-04\n", base)
    opts = {"module": "leads", "source": "folder", "folder": str(drop), "duplicates": "update"}
    first = run_job(engine, "sync", opts, workspace=w.ws_a)
    assert first.status is RunStatus.COMPLETED and first.created == 1, first.error
    write_csv(drop, "b.csv", "first_name,last_name,email,created_at\nAnn,Lee-Smith,ANN@lee.example,\n"
                             "Bo,Berg,bo@berg.example,\n", base + 60)
    second = run_job(engine, "sync", opts, workspace=w.ws_a)
    assert second.status is RunStatus.COMPLETED and (second.created, second.updated) == (1, 1), second.error
    with engine.connect() as conn:
        rows = {r.email.lower(): (r.last_name, r.created_at) for r in conn.execute(
            select(tables.leads.c.email, tables.leads.c.last_name, tables.leads.c.created_at)
            .where(tables.leads.c.workspace_id == w.ws_a))}
    assert rows["ann@lee.example"] == ("Lee-Smith", dt.datetime(2025, 3, 4))
    assert rows["bo@berg.example"][1] is not None
