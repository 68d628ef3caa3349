"""Options and checks shared by the jobs that work on the records a filter selects."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.records.filters import FilterError, where_clause

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
