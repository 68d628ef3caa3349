"""The field catalogue of leads, contacts and accounts, and the rules a value must meet.

Imports, syncs and bulk updates all validate through `validate_row`, so a value is judged
the same way everywhere and the messages read the same (`Email field invalid:
'not-an-email'`). A field has a key (the name in options, mappings and templates), a label
(what people and spreadsheet headers call it), header synonyms, whether it is required, a
maximum length and a kind that picks its check. Reference fields (`owner` an employee
e-mail, `account` an account name) resolve to ids through `Lookups` for one workspace.

    clean, errors = validate_row("leads", {"email": "a@b.com", "last_name": "Berg"}, lookups)
    # clean == {"email": "a@b.com", "last_name": "Berg"}; errors == [] or [(field, message)]

A row with any error must change nothing (the caller drops it whole).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from app.db import tables
from app.records import validators as v

TEXT_MAX = 255
LEAD_STATUSES = ("new", "contacted", "qualified", "unqualified")


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    kind: str = "text"  # text | email | phone | status | datetime | count | owner | account
    required: bool = False
    synonyms: tuple[str, ...] = ()
    max_length: int | None = TEXT_MAX

    @property
    def column(self) -> str:
        """The table column the clean value goes to (references store an id)."""
        return {"owner": "owner_id", "account": "account_id"}.get(self.key, self.key)


def _f(key: str, label: str, kind: str = "text", *, required: bool = False, synonyms: tuple[str, ...] = (),
       max_length: int | None = TEXT_MAX) -> FieldDef:
    return FieldDef(key, label, kind, required, synonyms, max_length)


FIRST_NAME = _f("first_name", "First Name", synonyms=("First", "Firstname", "Given Name", "Forename"))
LAST_NAME = _f("last_name", "Last Name", required=True, synonyms=("Last", "Surname", "Family Name", "Lastname"))
EMAIL = _f("email", "Email", "email", required=True,
           synonyms=("E-mail", "Email Address", "E-mail Address", "Mail", "Emailaddress"))
PHONE = _f("phone", "Phone", "phone", synonyms=("Phone Number", "Mobile", "Mobile Phone", "Telephone", "Tel", "Cell"))
TITLE = _f("title", "Title", synonyms=("Job Title", "Position", "Role"))
COUNTRY = _f("country", "Country", synonyms=("Country Name", "Nation"))
OWNER = _f("owner", "Owner", "owner", synonyms=("Owner Email", "Owner E-mail", "Assigned To", "Account Owner", "Lead Owner"))

FIELDS: dict[str, tuple[FieldDef, ...]] = {
    "leads": (
        FIRST_NAME, LAST_NAME, EMAIL, PHONE,
        _f("company", "Company", synonyms=("Organization", "Organisation", "Company Name", "Account", "Account Name")),
        TITLE, COUNTRY,
        _f("city", "City", synonyms=("Town",)),
        _f("source", "Source", synonyms=("Lead Source", "Origin", "Channel")),
        _f("status", "Status", "status", synonyms=("Lead Status", "Stage")),
        _f("created_at", "Created At", "datetime", max_length=None,
           synonyms=("Created", "Created Date", "Date Created", "Creation Date", "Created On")),
        OWNER,
    ),
    "contacts": (
        FIRST_NAME, LAST_NAME, EMAIL, PHONE, TITLE,
        _f("account", "Account", "account",
           synonyms=("Account Name", "Company", "Organization", "Organisation", "Company Name")),
        OWNER,
    ),
    "accounts": (
        _f("name", "Name", required=True,
           synonyms=("Account Name", "Account", "Company", "Company Name", "Organization", "Organisation")),
        _f("domain", "Domain", synonyms=("Website", "Web Site", "Web", "URL")),
        _f("industry", "Industry", synonyms=("Sector", "Vertical")),
        COUNTRY,
        _f("employees", "Employees", "count", max_length=None,
           synonyms=("Employee Count", "Number of Employees", "No of Employees", "Headcount", "Size")),
        OWNER,
    ),
}
MATCH_KEYS = {"leads": "email", "contacts": "email", "accounts": "name"}


def module_fields(module: str) -> tuple[FieldDef, ...]:
    try:
        return FIELDS[module.lower()]
    except KeyError:
        raise ValueError(f"unknown module {module!r}; use one of: {', '.join(FIELDS)}") from None


def field_map(module: str) -> dict[str, FieldDef]:
    return {f.key: f for f in module_fields(module)}


def required_fields(module: str) -> list[FieldDef]:
    return [f for f in module_fields(module) if f.required]


def match_key(module: str) -> str:
    """The field whose value (ignoring case) identifies a record within a workspace."""
    module_fields(module)
    return MATCH_KEYS[module.lower()]


@dataclass
class Lookups:
    """Reference values of one workspace, lower-cased: employee e-mail → id, account name → id."""

    owners: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)


def load_lookups(conn: Connection, workspace_id: int, module: str | None = None) -> Lookups:
    """Loads what the module's reference fields need (accounts only for contacts)."""
    emp = tables.employees
    owners = {str(e).lower(): int(i) for i, e in conn.execute(
        select(emp.c.id, emp.c.email).where(emp.c.workspace_id == workspace_id))}
    accounts: dict[str, int] = {}
    if module is None or module == "contacts":
        acc = tables.accounts
        accounts = {str(n): int(i) for i, n in conn.execute(
            select(acc.c.id, func.lower(acc.c.name)).where(acc.c.workspace_id == workspace_id))}
    return Lookups(owners, accounts)


def _quoted(value: object) -> str:
    text = v.as_text(value)
    return f"'{text if len(text) <= 80 else text[:77] + '...'}'"


def _invalid(fd: FieldDef, raw: object, reason: str) -> str:
    message = f"{fd.label} field invalid: {_quoted(raw)}"
    return f"{message} ({reason})" if reason else message


Checker = Callable[[FieldDef, object, "Lookups | None"], Any]


def _check_text(fd: FieldDef, raw: object, _lk: Lookups | None) -> str:
    return v.as_text(raw)


def _check_email(fd: FieldDef, raw: object, _lk: Lookups | None) -> str:
    return v.email(v.as_text(raw))


def _check_phone(fd: FieldDef, raw: object, _lk: Lookups | None) -> str:
    return v.phone(v.as_text(raw))


def _check_status(fd: FieldDef, raw: object, _lk: Lookups | None) -> str:
    text = v.as_text(raw).lower()
    if text not in LEAD_STATUSES:
        raise v.Invalid("use " + ", ".join(LEAD_STATUSES[:-1]) + " or " + LEAD_STATUSES[-1])
    return text


def _check_datetime(fd: FieldDef, raw: object, _lk: Lookups | None) -> dt.datetime:
    return v.date_time(raw)


def _check_count(fd: FieldDef, raw: object, _lk: Lookups | None) -> int:
    return v.whole_number(raw)


def _check_owner(fd: FieldDef, raw: object, lookups: Lookups | None) -> int | str:
    text = v.as_text(raw)
    if lookups is None:
        return v.email(text)
    found = lookups.owners.get(text.lower())
    if found is None:
        raise v.Invalid("no employee with this e-mail in the workspace")
    return found


def _check_account(fd: FieldDef, raw: object, lookups: Lookups | None) -> int | str:
    text = v.as_text(raw)
    if lookups is None:
        return text
    found = lookups.accounts.get(text.lower())
    if found is None:
        raise v.Invalid("no account with this name in the workspace")
    return found


CHECKS: dict[str, Checker] = {
    "text": _check_text, "email": _check_email, "phone": _check_phone, "status": _check_status,
    "datetime": _check_datetime, "count": _check_count, "owner": _check_owner, "account": _check_account,
}
DEFAULTS = {"status": "new"}


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_row(
    module: str, mapped_values: Mapping[str, object], lookups: Lookups | None = None, *, partial: bool = False,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Check the values of one record (field key → raw value) against the module's rules.

    Returns the clean values keyed by table column (`owner` → `owner_id`, `account` →
    `account_id`; a blank optional field → None, a blank status → `new`) and the errors as
    `(field key, message)`. Unknown keys are ignored. With `partial` (bulk updates) required
    fields that are absent are not an error; blanking one still is. Without `lookups`,
    `owner` is only checked as an e-mail and `account` kept as text, under their own keys.
    """
    clean: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for fd in module_fields(module):
        if fd.key not in mapped_values:
            if fd.required and not partial:
                errors.append((fd.key, f"{fd.label} field is required"))
            continue
        raw = mapped_values[fd.key]
        column = fd.column if lookups is not None else fd.key
        if _is_blank(raw):
            if fd.required:
                errors.append((fd.key, f"{fd.label} field is required"))
            else:
                clean[column] = DEFAULTS.get(fd.key)
            continue
        if fd.max_length is not None:
            length = len(v.as_text(raw))
            if length > fd.max_length:
                errors.append((fd.key, f"{fd.label} field too long: {length:,} characters (at most {fd.max_length})"))
                continue
        try:
            clean[column] = CHECKS[fd.kind](fd, raw, lookups)
        except v.Invalid as exc:
            errors.append((fd.key, _invalid(fd, raw, str(exc))))
    return clean, errors
