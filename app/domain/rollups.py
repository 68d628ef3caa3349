"""The per-account roll-up projection: contacts, open leads and average lead score.

Refresh is set-based per batch of accounts (INSERT … SELECT for missing rows, one UPDATE
for rows whose values differ) and, unless forced, only for accounts that changed since
their last refresh: the account itself, or any of its contacts or leads (edited or
re-scored). Records that leave an account (deleted, moved) invalidate its roll-up row via
`invalidate`, so the next refresh rebuilds it. `refreshed_at` is the moment the run stands
at (the end of its run date, or now), which makes a second run for the same day a no-op.
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
    case,
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


def _contacts_count(account_id: Col[int]) -> ColumnElement[int]:
    return select(func.count()).select_from(contacts).where(contacts.c.account_id == account_id).scalar_subquery()


def _open_leads_count(account_id: Col[int]) -> ColumnElement[int]:
    cond = and_(leads.c.account_id == account_id, leads.c.status.in_(OPEN_STATUSES))
    return select(func.count()).select_from(leads).where(cond).scalar_subquery()


def _avg_score(account_id: Col[int]) -> ColumnElement[float]:
    avg = cast(func.round(func.avg(leads.c.score), 2), Float)
    return select(avg).where(leads.c.account_id == account_id).scalar_subquery()


def _differs(account_id: Col[int]) -> ColumnElement[bool]:
    return or_(rollups.c.contacts_count != _contacts_count(account_id),
               rollups.c.open_leads_count != _open_leads_count(account_id),
               rollups.c.avg_lead_score.is_distinct_from(_avg_score(account_id)))


def _has_rollup() -> ColumnElement[bool]:
    return exists(select(1).select_from(rollups).where(rollups.c.account_id == accounts.c.id))


def stale_clause() -> ColumnElement[bool]:
    """Accounts with no roll-up yet, or changed (themselves or a contact or lead) since it was made."""
    refreshed = rollups.c.refreshed_at
    child_changed = or_(
        accounts.c.updated_at > refreshed,
        exists(select(1).select_from(contacts).where(and_(contacts.c.account_id == accounts.c.id,
                                                          contacts.c.updated_at > refreshed))),
        exists(select(1).select_from(leads).where(and_(leads.c.account_id == accounts.c.id,
                                                       or_(leads.c.updated_at > refreshed, leads.c.scored_at > refreshed)))),
    )
    changed = exists(select(1).select_from(rollups).where(and_(rollups.c.account_id == accounts.c.id, child_changed)))
    return or_(~_has_rollup(), changed)


def account_scope(workspace_id: int, owners: list[int] | None) -> ColumnElement[bool]:
    clauses = [accounts.c.workspace_id == workspace_id]
    if owners is not None:
        clauses.append(accounts.c.owner_id.in_(owners))
    return and_(*clauses)


def candidates(conn: Connection, workspace_id: int, owners: list[int] | None, *, force: bool) -> list[int]:
    """The accounts a refresh looks at: every one in scope with force, else the stale ones."""
    cond = account_scope(workspace_id, owners)
    if not force:
        cond = and_(cond, stale_clause())
    return [int(i) for i in conn.execute(select(accounts.c.id).where(cond).order_by(accounts.c.id)).scalars()]


def count_stale(conn: Connection, workspace_id: int) -> int:
    cond = and_(account_scope(workspace_id, None), stale_clause())
    return int(conn.execute(select(func.count()).select_from(accounts).where(cond)).scalar_one())


def preview(conn: Connection, account_ids: list[int]) -> RollupCounts:
    """What `refresh` would do to these accounts: rows to create, to update, already current."""
    missing = int(conn.execute(select(func.count()).select_from(accounts).where(
        and_(accounts.c.id.in_(account_ids), ~_has_rollup()))).scalar_one())
    differing = int(conn.execute(select(func.count()).select_from(rollups).where(
        and_(rollups.c.account_id.in_(account_ids), _differs(rollups.c.account_id)))).scalar_one())
    return RollupCounts(missing, differing, len(account_ids) - missing - differing)


def refresh(conn: Connection, account_ids: list[int], at: dt.datetime, *, force: bool) -> RollupCounts:
    """Bring these accounts' roll-ups up to date; `at` becomes their refreshed_at."""
    stamp = literal(at, DateTime)
    source = select(accounts.c.id, accounts.c.workspace_id, _contacts_count(accounts.c.id),
                    _open_leads_count(accounts.c.id), _avg_score(accounts.c.id), stamp
                    ).where(and_(accounts.c.id.in_(account_ids), ~_has_rollup()))
    created = conn.execute(insert(rollups).from_select(
        ["account_id", "workspace_id", "contacts_count", "open_leads_count", "avg_lead_score", "refreshed_at"], source)
    ).rowcount or 0
    later = case((rollups.c.refreshed_at > at, rollups.c.refreshed_at), else_=stamp)
    key = rollups.c.account_id
    updated = conn.execute(update(rollups).where(and_(key.in_(account_ids), _differs(key))).values(
        contacts_count=_contacts_count(key), open_leads_count=_open_leads_count(key),
        avg_lead_score=_avg_score(key), refreshed_at=later)).rowcount or 0
    # Accounts looked at and found current are marked so, and stop being candidates.
    checked = key.in_(account_ids) if force else and_(key.in_(account_ids), rollups.c.refreshed_at < at)
    conn.execute(update(rollups).where(checked).values(refreshed_at=stamp))
    return RollupCounts(int(created), int(updated), len(account_ids) - int(created) - int(updated))


def invalidate(conn: Connection, table: Table, where: ColumnElement[bool]) -> int:
    """Drop the roll-ups of the accounts the selected contacts or leads belong to (before they
    are deleted or moved), so the next refresh rebuilds them."""
    owned = select(table.c.account_id).where(and_(where, table.c.account_id.is_not(None)))
    return int(conn.execute(delete(rollups).where(rollups.c.account_id.in_(owned))).rowcount or 0)
