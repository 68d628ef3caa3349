"""Record pickers: matched in SQL by name, e-mail or id, narrowed to a workspace, capped."""

from __future__ import annotations

from sqlalchemy import Engine, select

from app.api import pickers
from app.db import tables


def test_search_by_name_email_and_id_within_a_workspace(demo_engine: Engine) -> None:
    emp = tables.employees
    with demo_engine.connect() as conn:
        row = conn.execute(select(emp).order_by(emp.c.id).limit(1)).one()
    by_email = pickers.search(demo_engine, "employee", row.email.upper())
    assert [c.id for c in by_email] == [row.id]
    assert by_email[0].label.startswith(f"{row.first_name} {row.last_name} <{row.email}>")
    by_name = pickers.search(demo_engine, "employee", f"{row.first_name} {row.last_name}".lower())
    assert row.id in [c.id for c in by_name]
    assert pickers.search(demo_engine, "employee", str(row.id))[0].id == row.id
    other_ws = pickers.search(demo_engine, "employee", row.email, workspace_id=row.workspace_id + 1)
    assert other_ws == []
    assert len(pickers.search(demo_engine, "employee", "", limit=3)) == 3
    assert pickers.search(demo_engine, "employee", "no-such-person") == []


def test_org_units_show_their_parent_and_workspaces_their_key(demo_engine: Engine) -> None:
    found = pickers.search(demo_engine, "org_unit", "inside")
    assert len(found) == 2  # one per demo workspace
    assert all(c.label.startswith("Sales › Inside Sales · ") for c in found)
    workspaces = pickers.search(demo_engine, "workspace")
    assert [c.label for c in workspaces] == ["Americas Sales (amer)", "EMEA Sales (emea)"]
    labels = pickers.lookup(demo_engine, "org_unit", [found[0].id, 999999])
    assert list(labels) == [found[0].id]
