"""The filter language every bulk job and export shares: `FIELD OP VALUE` conditions, ANDed.

Operators: `=` (equal; `a|b|c` for any of; empty value for blank), `!=`, `~` (contains),
`>`, `>=`, `<`, `<=`. Text compares ignore case. `owner` matches the owner's e-mail and a
contact's `account` its account's name (the values the import takes and the export writes).
Examples: `status=new`, `country=Germany|France`, `company~logistics`, `score>=50`,
`created_at<2026-01-01`, `owner=anna.berg@example.com`, `phone=` (no phone).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Date, DateTime, Float, Integer, Table, and_, func, not_, or_, select
from sqlalchemy.sql.type_api import TypeEngine

from app.db import tables
from app.db.keyfold import fold_key, key_fold
from app.records.modules import module_table

CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*(!=|>=|<=|=|~|>|<)(.*)$", re.S)
HIDDEN = {"workspace_id"}


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.field}{self.op}{self.value}"


def parse_condition(text: str) -> Condition:
    match = CONDITION.match(text)
    if not match:
        raise FilterError(f"cannot read filter {text!r}; write FIELD=VALUE (operators = != ~ > >= < <=)")
    field, op, value = match.groups()
    return Condition(field.strip().lower().replace(" ", "_").replace("-", "_"), op, value.strip())


def parse_conditions(texts: list[str]) -> list[Condition]:
    return [parse_condition(t) for t in texts if t.strip()]


def filterable_fields(module: str) -> list[str]:
    table = module_table(module)
    extra = ["owner", "account"] if "account_id" in table.c else ["owner"]
    return sorted([c.name for c in table.c if c.name not in HIDDEN and c.name not in ("owner_id", "account_id")] + extra)


def _coerce(value: str, type_: TypeEngine[object], field: str) -> object:
    try:
        if isinstance(type_, Integer):
            return int(value)
        if isinstance(type_, Float):
            return float(value)
        if isinstance(type_, DateTime):
            return dt.datetime.fromisoformat(value)
        if isinstance(type_, Date):
            return dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{field}: {value!r} is not a valid {type_.__class__.__name__.lower()}") from None
    return value


def _is_text(type_: TypeEngine[object]) -> bool:
    return not isinstance(type_, Integer | Float | DateTime | Date)


def condition_sql(table: Table, cond: Condition) -> ColumnElement[bool]:
    if cond.field == "owner":
        emails = [fold_key(v.strip()) for v in cond.value.split("|")]
        owners = select(tables.employees.c.id).where(key_fold(tables.employees.c.email).in_(emails))
        if cond.op not in ("=", "!="):
            raise FilterError("owner accepts = or != with an employee e-mail")
        clause = table.c.owner_id.in_(owners)
        return not_(clause) if cond.op == "!=" else clause
    if cond.field == "account" and "account_id" in table.c:
        return _account_sql(table, cond)
    if cond.field not in table.c or cond.field in HIDDEN:
        raise FilterError(f"{table.name} have no field {cond.field!r}; fields: {', '.join(filterable_fields(table.name))}")
    column = table.c[cond.field]
    text = _is_text(column.type)
    target = func.lower(column) if text else column
    if cond.op in ("=", "!=") and cond.value == "":
        blank = or_(column.is_(None), column == "") if text else column.is_(None)
        return not_(blank) if cond.op == "!=" else blank
    if cond.op == "~":
        if not text:
            raise FilterError(f"~ (contains) works on text fields, not {cond.field}")
        return target.contains(cond.value.lower(), autoescape=True)
    values = [_coerce(v.strip(), column.type, cond.field) for v in cond.value.split("|")] if cond.op in ("=", "!=") \
        else [_coerce(cond.value, column.type, cond.field)]
    if text:
        values = [str(v).lower() for v in values]
    ops = {
        "=": lambda: target.in_(values) if len(values) > 1 else target == values[0],
        "!=": lambda: or_(column.is_(None), not_(target.in_(values))),
        ">": lambda: target > values[0], ">=": lambda: target >= values[0],
        "<": lambda: target < values[0], "<=": lambda: target <= values[0],
    }
    return ops[cond.op]()


def _account_sql(table: Table, cond: Condition) -> ColumnElement[bool]:
    """A contact's account by name: `=` any of `a|b` (empty: no account), `!=`, `~` contains."""
    accounts = tables.accounts
    if cond.op not in ("=", "!=", "~"):
        raise FilterError("account accepts =, != or ~ with an account name")
    if cond.value == "" and cond.op != "~":
        clause = table.c.account_id.is_(None)
        return not_(clause) if cond.op == "!=" else clause
    name = func.lower(accounts.c.name)
    match = name.contains(cond.value.lower(), autoescape=True) if cond.op == "~" \
        else name.in_([v.strip().lower() for v in cond.value.split("|")])
    clause = table.c.account_id.in_(select(accounts.c.id).where(match))
    return or_(table.c.account_id.is_(None), not_(clause)) if cond.op == "!=" else clause


def where_clause(module: str, conditions: list[str] | list[Condition], workspace_id: int | None) -> ColumnElement[bool]:
    """The SQL condition for a module, its filter and (optionally) one workspace."""
    table = module_table(module)
    parsed = [c if isinstance(c, Condition) else parse_condition(c) for c in conditions]
    clauses = [condition_sql(table, c) for c in parsed]
    if workspace_id is not None:
        clauses.append(table.c.workspace_id == workspace_id)
    return and_(True, *clauses)
