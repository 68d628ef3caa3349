"""The per-account roll-up projection: contacts, open leads and average lead score.

Refresh is set-based per batch of accounts (INSERT … SELECT for missing rows, one UPDATE
for rows whose values differ) and, unless forced, only for accounts that changed since
their last refresh: the account itself, or any of its contacts or leads (edited or
re-scored). Records that leave an account (deleted, moved) invalidate its roll-up row via
`invalidate`, so the next refresh rebuilds it.

A run stands at a moment `at`: now, or the end of its run date when that is earlier. It
counts the records that existed by then, looks at changes made up to then, and stamps
`refreshed_at = at` — so a second run for the same day finds nothing to do, a catch-up run
for a past day gives that day's projection, and the next current run sees every later change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Float,
    Table,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement as Col

from app.db import tables

accounts, contacts, leads, rollups = tables.accounts, tables.contacts, tables.leads, tables.account_rollups
OPEN_STATUSES = ("new", "contacted", "qualified")


@dataclass
class RollupCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: RollupCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _contacts_count(account_id: Col[int], at: dt.datetime) -> ColumnElement[int]:
    cond = and_(contacts.c.account_id == account_id, contacts.c.created_at < at)
    return select(func.count()).select_from(contacts).where(cond).scalar_subquery()


def _open_leads_count(account_id: Col[int], at: dt.datetime) -> ColumnElement[int]:
    cond = and_(leads.c.account_id == account_id, leads.c.status.in_(OPEN_STATUSES), leads.c.created_at < at)
    return select(func.count()).select_from(leads).where(cond).scalar_subquery()


def _avg_score(account_id: Col[int], at: dt.datetime) -> ColumnElement[float]:
    avg = cast(func.round(func.avg(leads.c.score), 2), Float)
    return select(avg).where(and_(leads.c.account_id == account_id, leads.c.created_at < at)).scalar_subquery()


def _differs(account_id: Col[int], at: dt.datetime) -> ColumnElement[bool]:
    return or_(rollups.c.contacts_count != _contacts_count(account_id, at),
               rollups.c.open_leads_count != _open_leads_count(account_id, at),
               rollups.c.avg_lead_score.is_distinct_from(_avg_score(account_id, at)))


def _has_rollup() -> ColumnElement[bool]:
    return exists(select(1).select_from(rollups).where(rollups.c.account_id == accounts.c.id))


def stale_clause(at: dt.datetime) -> ColumnElement[bool]:
    """Accounts with no roll-up yet, or changed (themselves or a contact or lead) after it was
    made and no later than `at`. For a query over accounts LEFT JOIN account_rollups."""
    refreshed = rollups.c.refreshed_at

    def between(column: Col[dt.datetime]) -> ColumnElement[bool]:
        return and_(column > refreshed, column <= at)

    return or_(
        rollups.c.account_id.is_(None),
        between(accounts.c.updated_at),
        exists(select(1).select_from(contacts).where(and_(contacts.c.account_id == accounts.c.id,
                                                          between(contacts.c.updated_at)))),
        exists(select(1).select_from(leads).where(and_(leads.c.account_id == accounts.c.id,
                                                       or_(between(leads.c.updated_at), between(leads.c.scored_at))))),
    )


def account_scope(workspace_id: int, owners: list[int] | None, at: dt.datetime) -> ColumnElement[bool]:
    clauses = [accounts.c.workspace_id == workspace_id, accounts.c.created_at < at]
    if owners is not None:
        clauses.append(accounts.c.owner_id.in_(owners))
    return and_(*clauses)


def _accounts_with_rollups():  # type: ignore[no-untyped-def]
    return accounts.outerjoin(rollups, rollups.c.account_id == accounts.c.id)


def candidates(conn: Connection, workspace_id: int, owners: list[int] | None, at: dt.datetime, *,
               force: bool) -> list[int]:
    """The accounts a refresh looks at: every one in scope with force, else the stale ones."""
    cond = account_scope(workspace_id, owners, at)
    if not force:
        cond = and_(cond, stale_clause(at))
    stmt = select(accounts.c.id).select_from(_accounts_with_rollups()).where(cond).order_by(accounts.c.id)
    return [int(i) for i in conn.execute(stmt).scalars()]


def count_stale(conn: Connection, workspace_id: int, at: dt.datetime) -> int:
    cond = and_(account_scope(workspace_id, None, at), stale_clause(at))
    return int(conn.execute(select(func.count()).select_from(_accounts_with_rollups()).where(cond)).scalar_one())


def preview(conn: Connection, account_ids: list[int], at: dt.datetime) -> RollupCounts:
    """What `refresh` would do to these accounts: rows to create, to update, already current."""
    missing = int(conn.execute(select(func.count()).select_from(accounts).where(
        and_(accounts.c.id.in_(account_ids), ~_has_rollup()))).scalar_one())
    differing = int(conn.execute(select(func.count()).select_from(rollups).where(
        and_(rollups.c.account_id.in_(account_ids), _differs(rollups.c.account_id, at)))).scalar_one())
    return RollupCounts(missing, differing, len(account_ids) - missing - differing)


def refresh(conn: Connection, account_ids: list[int], at: dt.datetime, *, force: bool) -> RollupCounts:
    """Bring these accounts' roll-ups up to date; `at` becomes their refreshed_at."""
    stamp = literal(at, DateTime)
    source = select(accounts.c.id, accounts.c.workspace_id, _contacts_count(accounts.c.id, at),
                    _open_leads_count(accounts.c.id, at), _avg_score(accounts.c.id, at), stamp
                    ).where(and_(accounts.c.id.in_(account_ids), ~_has_rollup()))
    # RETURNING, because psycopg reports no rowcount for INSERT … SELECT.
    created = len(conn.execute(insert(rollups).from_select(
        ["account_id", "workspace_id", "contacts_count", "open_leads_count", "avg_lead_score", "refreshed_at"], source)
        .returning(rollups.c.account_id)).all())
    key = rollups.c.account_id
    updated = conn.execute(update(rollups).where(and_(key.in_(account_ids), _differs(key, at))).values(
        contacts_count=_contacts_count(key, at), open_leads_count=_open_leads_count(key, at),
        avg_lead_score=_avg_score(key, at), refreshed_at=stamp)).rowcount or 0
    # Accounts looked at and found current are marked so, and stop being candidates.
    checked = key.in_(account_ids) if force else and_(key.in_(account_ids), rollups.c.refreshed_at < at)
    conn.execute(update(rollups).where(checked).values(refreshed_at=stamp))
    return RollupCounts(int(created), int(updated), len(account_ids) - int(created) - int(updated))


def invalidate(conn: Connection, table: Table, where: ColumnElement[bool]) -> int:
    """Drop the roll-ups of the accounts the selected contacts or leads belong to (before they
    are deleted or moved), so the next refresh rebuilds them."""
    owned = select(table.c.account_id).where(and_(where, table.c.account_id.is_not(None)))
    return int(conn.execute(delete(rollups).where(rollups.c.account_id.in_(owned))).rowcount or 0)
