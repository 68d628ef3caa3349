"""A small, exactly known CRM world for job tests.

Workspace A has an org tree Company → Sales → Inside Sales, plus Marketing, with one
employee in each of Sales (sam), Inside Sales (ivy) and Marketing (mia); workspace B has one
employee (bob). Leads are spread over owners so scope options can be checked exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert

from app.db import tables

# Yesterday noon: runs for today (the default run date) see every record as existing.
NOW = dt.datetime.combine(dt.date.today(), dt.time(12)) - dt.timedelta(days=1)


@dataclass
class World:
    ws_a: int = 0
    ws_b: int = 0
    units: dict[str, int] = field(default_factory=dict)
    emp: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)


def _id(conn: Connection, table: Any, **values: Any) -> int:
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def lead_row(ws: int, owner: int | None, i: int, **extra: Any) -> dict[str, Any]:
    created = extra.pop("created_at", NOW - dt.timedelta(days=i % 40))
    row = {"workspace_id": ws, "owner_id": owner, "first_name": f"F{i}", "last_name": f"L{i}",
           "email": f"lead{i}@ws{ws}.example", "phone": None, "company": f"Co {i % 3}", "title": "Buyer",
           "country": "Germany", "city": "Berlin", "source": "Web form", "status": "new", "score": 0,
           "scored_at": None, "account_id": None, "created_at": created, "updated_at": created}
    row.update(extra)
    return row


def build(engine: Engine, leads_per_owner: int = 6) -> World:
    w = World()
    with engine.begin() as conn:
        w.ws_a = _id(conn, tables.workspaces, key="a", name="Workspace A", created_at=NOW)
        w.ws_b = _id(conn, tables.workspaces, key="b", name="Workspace B", created_at=NOW)
        root = _id(conn, tables.org_units, workspace_id=w.ws_a, parent_id=None, name="Company")
        sales = _id(conn, tables.org_units, workspace_id=w.ws_a, parent_id=root, name="Sales")
        inside = _id(conn, tables.org_units, workspace_id=w.ws_a, parent_id=sales, name="Inside Sales")
        marketing = _id(conn, tables.org_units, workspace_id=w.ws_a, parent_id=root, name="Marketing")
        other = _id(conn, tables.org_units, workspace_id=w.ws_b, parent_id=None, name="B Company")
        w.units = {"root": root, "sales": sales, "inside": inside, "marketing": marketing, "b": other}
        for name, ws, unit in (("sam", w.ws_a, sales), ("ivy", w.ws_a, inside), ("mia", w.ws_a, marketing),
                               ("bob", w.ws_b, other)):
            w.emp[name] = _id(conn, tables.employees, workspace_id=ws, org_unit_id=unit, email=f"{name}@corp.example",
                              first_name=name.title(), last_name="Staff", active=True)
        for name, ws, owner in (("acme", w.ws_a, "sam"), ("globex", w.ws_a, "mia"), ("initech", w.ws_b, "bob")):
            w.accounts[name] = _id(conn, tables.accounts, workspace_id=ws, owner_id=w.emp[owner], name=name.title(),
                                   domain=f"{name}.example", industry="Software", country="Germany", employees=50,
                                   created_at=NOW - dt.timedelta(days=90), updated_at=NOW - dt.timedelta(days=90))
        rows = []
        i = 0
        for owner, ws, account in (("sam", w.ws_a, "acme"), ("ivy", w.ws_a, "acme"), ("mia", w.ws_a, "globex"),
                                   ("bob", w.ws_b, "initech")):
            for k in range(leads_per_owner):
                i += 1
                rows.append(lead_row(ws, w.emp[owner], i, account_id=w.accounts[account],
                                     title="Head of Sales" if k % 2 else "Buyer",
                                     status="qualified" if k % 3 == 0 else "new",
                                     phone="+49 30 1234567" if k % 2 == 0 else None))
        conn.execute(insert(tables.leads), rows)
        for j, (owner, ws, account) in enumerate((("sam", w.ws_a, "acme"), ("mia", w.ws_a, "globex"),
                                                  ("bob", w.ws_b, "initech"))):
            conn.execute(insert(tables.contacts), [
                {"workspace_id": ws, "owner_id": w.emp[owner], "first_name": "C", "last_name": f"C{j}{k}",
                 "email": f"c{j}{k}@ws{ws}.example", "phone": None, "title": None, "account_id": w.accounts[account],
                 "created_at": NOW - dt.timedelta(days=30), "updated_at": NOW - dt.timedelta(days=30)}
                for k in range(j + 2)])
        for ws in (w.ws_a, w.ws_b):
            conn.execute(insert(tables.scoring_rules), [
                {"workspace_id": ws, "field": f, "operator": op, "value": v, "points": p, "active": True, "updated_at": NOW}
                for f, op, v, p in (("title", "contains", "head", 15), ("status", "eq", "qualified", 30),
                                    ("phone", "not_empty", None, 5), ("country", "in", "Germany,France", 10))])
    return w


def expected_score(title: str, status: str, phone: str | None, country: str = "Germany") -> int:
    return (15 if "head" in title.lower() else 0) + (30 if status == "qualified" else 0) \
        + (5 if phone else 0) + (10 if country in ("Germany", "France") else 0)
