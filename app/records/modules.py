"""The record modules and their tables."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Table

from app.db import tables

ModuleName = Literal["leads", "contacts", "accounts"]
MODULES: dict[str, Table] = {"leads": tables.leads, "contacts": tables.contacts, "accounts": tables.accounts}
MODULE_LABELS = {"leads": "Leads", "contacts": "Contacts", "accounts": "Accounts"}


def module_table(module: str) -> Table:
    try:
        return MODULES[module.lower()]
    except KeyError:
        raise ValueError(f"unknown module {module!r}; use one of: {', '.join(MODULES)}") from None
