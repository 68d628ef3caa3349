"""Contacts export and bulk jobs filter by account name, the value the import takes and the
export writes in the Account column (`--where account~acme`); it said 'contacts have no field
'account''. `=` any of `a|b` (empty: no account), `!=`, `~` contains, ignoring case."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from app.clock import utcnow
from app.db import tables
from app.transfer.api import TransferError, enqueue_export
from tests.engine_support import add_workspace
from tests.import_support import run_to_end, saved_artifact


def _contacts(engine: Engine) -> None:
    ws = add_workspace(engine, "main")
    now = utcnow()
    with engine.begin() as conn:
        ids = {name: conn.execute(insert(tables.accounts).values(workspace_id=ws, name=name, created_at=now, updated_at=now)
                                  .returning(tables.accounts.c.id)).scalar_one() for name in ("Acme Tools", "Globex")}
        conn.execute(insert(tables.contacts), [
            dict(workspace_id=ws, account_id=account, last_name=f"L{i}", email=f"c{i}@firm.example.com",
                 created_at=now, updated_at=now)
            for i, account in enumerate([ids["Acme Tools"], ids["Globex"], None])])


@pytest.mark.parametrize(("where", "emails"), [
    ("account~ACME", ["c0"]),
    ("account=globex|acme tools", ["c0", "c1"]),
    ("account=", ["c2"]),
    ("account!=Globex", ["c0", "c2"]),
])
def test_contacts_filter_by_account_name(engine: Engine, tmp_path: Path, where: str, emails: list[str]) -> None:
    _contacts(engine)
    run = run_to_end(engine, enqueue_export(engine, "contacts", "csv", [where], ["email", "account"]))
    lines = saved_artifact(engine, "export", run.id, tmp_path / "c.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert [line.split("@")[0] for line in lines] == emails
    with pytest.raises(TransferError, match="account accepts =, != or ~"):
        enqueue_export(engine, "contacts", "csv", ["account>x"])
