"""Options and checks shared by the jobs that work on the records a filter selects."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy import ColumnElement

from app.domain import batches
from app.domain.records import scope_clause
from app.engine.context import JobContext
from app.records.filters import FilterError, where_clause
from app.records.modules import module_table

ModuleName = Literal["leads", "contacts", "accounts"]

MODULE_FIELD = Field("leads", title="Module", description="Which records: Leads, Contacts or Accounts.")


def filter_field(required: bool) -> object:
    extra = " At least one condition is required." if required else " Empty: every record of the workspace."
    return Field(default_factory=list, min_length=1 if required else 0, title="Filter",
                 description="Conditions every record must meet, e.g. status=unqualified, country=Germany|France, "
                             "company~logistics, score<20, owner=anna@example.com (operators = != ~ > >= < <=)." + extra)


def check_filter(module: str, where: list[str]) -> None:
    """Raise ValueError (a usage error before the run is queued) for an unreadable filter."""
    try:
        where_clause(module, where, None)
    except (FilterError, ValueError) as exc:
        raise ValueError(str(exc)) from None


def selections(ctx: JobContext, module: str, where: list[str]) -> list[tuple[int, ColumnElement[bool], int]]:
    """Per workspace of the run: the records the filter selects (existing by the end of the run
    date) and how many there are — counted before anything changes."""
    table = module_table(module)
    out = []
    with ctx.engine.connect() as conn:
        for workspace_id in ctx.workspace_ids():
            clause = scope_clause(module, workspace_id, run_date=ctx.run_date, conditions=where)
            out.append((workspace_id, clause, batches.count(conn, table, clause)))
    return out
