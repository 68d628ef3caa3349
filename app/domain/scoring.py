"""Lead scoring: the workspace's rules (field condition → points) as one SQL expression.

A lead's score is the sum of the points of every active rule it matches, computed by the
database in a single `UPDATE leads SET score = <CASE sum>` per batch; only leads whose
score differs are written (unless forced), so a second run changes nothing. Age rules
(`older_than` / `newer_than` N days) count from the run date, which is what makes a run
for a future day show that day's scores and a catch-up run give the missed day's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)

from app.db import tables

leads = tables.leads
rules_table = tables.scoring_rules
TEXT_OPERATORS = ("eq", "ne", "contains", "in")
AGE_OPERATORS = ("older_than", "newer_than")
OPERATORS = (*TEXT_OPERATORS, "not_empty", "empty", *AGE_OPERATORS)
NOT_SCORABLE = {"id", "workspace_id", "owner_id", "account_id", "score", "scored_at"}


@dataclass(frozen=True)
class Rule:
    id: int
    field: str
    operator: str
    value: str | None
    points: int

    def __str__(self) -> str:
        return f"rule #{self.id} ({self.field} {self.operator} {self.value or ''} → {self.points:+d})"


def rule_problem(rule: Rule) -> str | None:
    """Why a stored rule cannot be applied, or None when it can."""
    if rule.field not in leads.c or rule.field in NOT_SCORABLE:
        return f"{rule}: leads have no scorable field {rule.field!r}"
    if rule.operator not in OPERATORS:
        return f"{rule}: unknown operator {rule.operator!r}; use one of {', '.join(OPERATORS)}"
    if rule.operator in AGE_OPERATORS:
        if not isinstance(leads.c[rule.field].type, DateTime):
            return f"{rule}: {rule.operator} needs a date field, not {rule.field}"
        if not (rule.value or "").strip().isdigit():
            return f"{rule}: {rule.operator} needs a whole number of days, not {rule.value!r}"
    elif rule.operator in TEXT_OPERATORS and not (rule.value or "").strip():
        return f"{rule}: {rule.operator} needs a value"
    return None


def load_rules(conn: Connection, workspace_id: int) -> tuple[list[Rule], list[str]]:
    """The workspace's active rules that can be applied, and a message for each that cannot."""
    rows = conn.execute(
        select(rules_table.c.id, rules_table.c.field, rules_table.c.operator, rules_table.c.value, rules_table.c.points)
        .where(and_(rules_table.c.workspace_id == workspace_id, rules_table.c.active.is_(True)))
        .order_by(rules_table.c.id)
    ).all()
    good: list[Rule] = []
    problems: list[str] = []
    for row in rows:
        rule = Rule(int(row.id), row.field.strip().lower(), row.operator.strip().lower(), row.value, int(row.points))
        problem = rule_problem(rule)
        if problem:
            problems.append(problem)
        else:
            good.append(rule)
    return good, problems


def _condition(rule: Rule, run_date: dt.date) -> ColumnElement[bool]:
    column = leads.c[rule.field]
    if rule.operator in AGE_OPERATORS:
        cutoff = dt.datetime.combine(run_date, dt.time()) - dt.timedelta(days=int((rule.value or "0").strip()))
        return column < cutoff if rule.operator == "older_than" else column >= cutoff
    as_text = column if isinstance(column.type, String) else cast(column, String)
    text = func.lower(func.coalesce(as_text, ""))
    value = (rule.value or "").strip().lower()
    if rule.operator == "eq":
        return text == value
    if rule.operator == "ne":
        return text != value
    if rule.operator == "contains":
        return text.contains(value, autoescape=True)
    if rule.operator == "in":
        return text.in_([v.strip() for v in value.split(",") if v.strip()])
    blank = or_(column.is_(None), as_text == "")
    return blank if rule.operator == "empty" else ~blank


def score_expression(rules: list[Rule], run_date: dt.date) -> ColumnElement[int]:
    """The sum of the points of every rule a lead matches, as one SQL expression."""
    total: ColumnElement[int] = literal(0)
    for rule in rules:
        total = total + case((_condition(rule, run_date), rule.points), else_=0)
    return total


def count_changes(conn: Connection, expr: ColumnElement[int], where: ColumnElement[bool]) -> int:
    stmt = select(func.count()).select_from(leads).where(and_(where, leads.c.score != expr))
    return int(conn.execute(stmt).scalar_one())


def apply_scores(conn: Connection, expr: ColumnElement[int], where: ColumnElement[bool], now: dt.datetime,
                 *, force: bool) -> int:
    """Write the computed score where it differs (every lead in scope with force); returns rows written."""
    cond = where if force else and_(where, leads.c.score != expr)
    return int(conn.execute(update(leads).where(cond).values(score=expr, scored_at=now)).rowcount or 0)
