"""Which records a run touches: workspace, owners in scope, existing by the run date, a filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Table, and_

from app.domain.batches import day_end
from app.records.filters import Condition, where_clause
from app.records.modules import module_table


def scope_clause(
    module: str, workspace_id: int | None, *, owners: Sequence[int] | None = None,
    run_date: dt.date | None = None, conditions: Sequence[str | Condition] = (),
) -> ColumnElement[bool]:
    """The records of one module a run may touch. A run for day D sees the records that
    existed by the end of D, so a catch-up run for a past day leaves later records alone."""
    table: Table = module_table(module)
    clauses = [where_clause(module, list(conditions), workspace_id)]  # type: ignore[arg-type]
    if owners is not None:
        clauses.append(table.c.owner_id.in_(list(owners)))
    if run_date is not None:
        clauses.append(table.c.created_at < day_end(run_date))
    return and_(*clauses)
