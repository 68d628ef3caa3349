"""Who a troubleshooting run may touch: an employee, or an org unit with its whole subtree."""

from __future__ import annotations

from sqlalchemy import Connection, select

from app.db import tables

employees = tables.employees
org_units = tables.org_units


def org_subtree(conn: Connection, org_unit_id: int) -> list[int]:
    """The unit and every unit below it (a recursive CTE, the same SQL on both backends)."""
    tree = select(org_units.c.id).where(org_units.c.id == org_unit_id).cte("tree", recursive=True)
    tree = tree.union_all(select(org_units.c.id).where(org_units.c.parent_id == tree.c.id))
    return [int(i) for i in conn.execute(select(tree.c.id)).scalars()]


def owner_ids(conn: Connection, employee_id: int | None, org_unit_id: int | None) -> list[int] | None:
    """The owners in scope, or None when the run is not narrowed."""
    if employee_id is None and org_unit_id is None:
        return None
    found: set[int] = set()
    if employee_id is not None:
        found.add(employee_id)
    if org_unit_id is not None:
        units = org_subtree(conn, org_unit_id)
        found.update(int(i) for i in conn.execute(select(employees.c.id).where(employees.c.org_unit_id.in_(units))).scalars())
    return sorted(found)


def check_scope(conn: Connection, employee_id: int | None, org_unit_id: int | None) -> None:
    """An Employee ID or Org Unit ID that names nobody would make a run that does nothing and
    reports `completed`: refuse it, before the run is queued, in words."""
    if employee_id is not None and conn.execute(select(employees.c.id).where(employees.c.id == employee_id)).first() is None:
        raise ValueError(f"no employee with ID {employee_id}")
    if org_unit_id is not None and conn.execute(select(org_units.c.id).where(org_units.c.id == org_unit_id)).first() is None:
        raise ValueError(f"no org unit with ID {org_unit_id}")
