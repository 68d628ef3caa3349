"""Searchable record pickers for generated forms: employees, org units and workspaces.

A picker never lists a whole directory: every query is capped and matched in SQL on the
typed text (name, e-mail, or an id), so it stays quick on a large shared database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, Select, and_, func, or_, select

from app.db import tables

PICKER_KINDS = ("employee", "org_unit", "workspace")
KIND_LABELS = {"employee": "employee", "org_unit": "org unit", "workspace": "workspace"}
employees, units, workspaces = tables.employees, tables.org_units, tables.workspaces


@dataclass(frozen=True)
class Choice:
    id: int
    label: str  # what the picker shows and completes on

    def matches(self, text: str) -> bool:
        needle = text.strip().lower()
        return needle in self.label.lower() or needle == str(self.id)


def _text_match(text: str, *columns: ColumnElement[str], id_column: ColumnElement[int]) -> ColumnElement[bool]:
    needle = text.strip().lower()
    conds: list[ColumnElement[bool]] = [func.lower(c).like(f"%{needle}%") for c in columns]
    if needle.isdigit():
        conds.append(id_column == int(needle))
    return or_(*conds)


def _employee_query(text: str, workspace_id: int | None) -> Select[tuple[int, str, str, str, str]]:
    full_name = employees.c.first_name + " " + employees.c.last_name
    stmt = (select(employees.c.id, employees.c.first_name, employees.c.last_name, employees.c.email, workspaces.c.name)
            .join(workspaces, workspaces.c.id == employees.c.workspace_id)
            .order_by(employees.c.last_name, employees.c.first_name, employees.c.id))
    if text.strip():
        stmt = stmt.where(_text_match(text, full_name, employees.c.email, id_column=employees.c.id))
    if workspace_id is not None:
        stmt = stmt.where(employees.c.workspace_id == workspace_id)
    return stmt


def _unit_query(text: str, workspace_id: int | None) -> Select[tuple[int, str, str | None, str]]:
    parent = units.alias("parent")
    stmt = (select(units.c.id, units.c.name, parent.c.name, workspaces.c.name)
            .join(workspaces, workspaces.c.id == units.c.workspace_id)
            .outerjoin(parent, parent.c.id == units.c.parent_id)
            .order_by(workspaces.c.name, units.c.name, units.c.id))
    if text.strip():
        stmt = stmt.where(_text_match(text, units.c.name, id_column=units.c.id))
    if workspace_id is not None:
        stmt = stmt.where(units.c.workspace_id == workspace_id)
    return stmt


def _workspace_query(text: str) -> Select[tuple[int, str, str]]:
    stmt = select(workspaces.c.id, workspaces.c.name, workspaces.c.key).order_by(workspaces.c.name, workspaces.c.id)
    if text.strip():
        stmt = stmt.where(_text_match(text, workspaces.c.name, workspaces.c.key, id_column=workspaces.c.id))
    return stmt


def _label(kind: str, row: tuple) -> Choice:  # type: ignore[type-arg]
    if kind == "employee":
        ident, first, last, email, ws = row
        return Choice(int(ident), f"{first} {last} <{email}> · {ws}")
    if kind == "org_unit":
        ident, name, parent, ws = row
        return Choice(int(ident), f"{parent} › {name} · {ws}" if parent else f"{name} · {ws}")
    ident, name, key = row
    return Choice(int(ident), f"{name} ({key})")


def _query(kind: str, text: str, workspace_id: int | None) -> Select:  # type: ignore[type-arg]
    if kind == "employee":
        return _employee_query(text, workspace_id)
    if kind == "org_unit":
        return _unit_query(text, workspace_id)
    if kind == "workspace":
        return _workspace_query(text)
    raise ValueError(f"unknown picker {kind!r}; use one of: {', '.join(PICKER_KINDS)}")


def search(engine: Engine, kind: str, text: str = "", *, workspace_id: int | None = None, limit: int = 50) -> list[Choice]:
    """Up to `limit` records of a kind whose name, e-mail or id matches `text`."""
    stmt = _query(kind, text, workspace_id).limit(limit)
    with engine.connect() as conn:
        return [_label(kind, tuple(row)) for row in conn.execute(stmt)]


def lookup(engine: Engine, kind: str, ids: Iterable[int]) -> dict[int, Choice]:
    """The labels of known ids (to show a stored value in a picker)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    stmt = _query(kind, "", None)
    id_column = {"employee": employees.c.id, "org_unit": units.c.id, "workspace": workspaces.c.id}[kind]
    with engine.connect() as conn:
        rows = conn.execute(stmt.where(and_(id_column.in_(wanted)))).all()
    return {c.id: c for c in (_label(kind, tuple(r)) for r in rows)}
