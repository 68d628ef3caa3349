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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select

from app.db import tables
from app.db.keyfold import fold_key
from app.records import validators as v

TEXT_MAX = 255
LEAD_STATUSES = ("new", "contacted", "qualified", "unqualified")
FORMULA_START = frozenset("=+-@\t\r")


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
    """The field whose value (ignoring ASCII letter case: `fold_key`) identifies a record in a workspace."""
    module_fields(module)
    return MATCH_KEYS[module.lower()]


@dataclass
class Lookups:
    """Reference values of one workspace by folded key (`fold_key`, as the unique indexes compare):
    employee e-mail → id, account name → id."""

    owners: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)


def load_lookups(conn: Connection, workspace_id: int, module: str | None = None) -> Lookups:
    """Loads what the module's reference fields need (accounts only for contacts)."""
    emp = tables.employees
    owners = {fold_key(str(e)): int(i) for i, e in conn.execute(
        select(emp.c.id, emp.c.email).where(emp.c.workspace_id == workspace_id))}
    accounts: dict[str, int] = {}
    if module is None or module == "contacts":
        acc = tables.accounts
        accounts = {fold_key(str(n)): int(i) for i, n in conn.execute(
            select(acc.c.id, acc.c.name).where(acc.c.workspace_id == workspace_id))}
    return Lookups(owners, accounts)


def _quoted(text: str) -> str:
    return f"'{text if len(text) <= 80 else text[:77] + '...'}'"


def _check_status(text: str, _lk: Lookups | None) -> str:
    lowered = text.lower()
    if lowered not in LEAD_STATUSES:
        raise v.Invalid("use " + ", ".join(LEAD_STATUSES[:-1]) + " or " + LEAD_STATUSES[-1])
    return lowered


def _check_owner(text: str, lookups: Lookups | None) -> int | str:
    if lookups is None:
        return v.email(text)
    found = lookups.owners.get(fold_key(text))
    if found is None:
        raise v.Invalid("no employee with this e-mail in the workspace")
    return found


def _check_account(text: str, lookups: Lookups | None) -> int | str:
    if lookups is None:
        return text
    found = lookups.accounts.get(fold_key(text))
    if found is None:
        raise v.Invalid("no account with this name in the workspace")
    return found


# Each check gets the cell as trimmed text (typed XLSX values go to the kinds that read them:
# dates and numbers) and the workspace's lookups; it returns the stored value or raises Invalid.
CHECKS: dict[str, Callable[[Any, Lookups | None], Any]] = {
    "email": lambda text, _lk: v.email(text),
    "phone": lambda text, _lk: v.phone(text),
    "status": _check_status,
    "datetime": lambda raw, _lk: v.date_time(raw),
    "count": lambda raw, _lk: v.whole_number(raw),
    "owner": _check_owner,
    "account": _check_account,
}
TYPED_KINDS = {"datetime", "count"}  # read the raw cell, not its text
DEFAULTS = {"status": "new"}


class RowValidator:
    """`validate_row` compiled for one module and one set of fields, for speed: an import
    checks a million rows with it. Values come as a sequence in the order of `keys`."""

    def __init__(self, module: str, keys: Sequence[str], *, partial: bool = False) -> None:
        known = field_map(module)
        self.module = module
        self.keys = tuple(k for k in keys if k in known)
        self.fields = tuple(known[k] for k in self.keys)
        self.missing = () if partial else tuple(
            (f.key, f"{f.label} field is required") for f in module_fields(module) if f.required and f.key not in self.keys)

    def columns(self, lookups: Lookups | None) -> list[str]:
        """The table columns of the clean values, in order."""
        return [f.column if lookups is not None else f.key for f in self.fields]

    def __call__(self, values: Sequence[object], lookups: Lookups | None = None) -> tuple[list[Any], list[tuple[str, str]]]:
        clean: list[Any] = []
        errors: list[tuple[str, str]] = list(self.missing)
        for fd, raw in zip(self.fields, values, strict=True):
            value, message = check_value(fd, raw, lookups)
            clean.append(value)
            if message is not None:
                errors.append((fd.key, message))
        return clean, errors


def guard(text: str) -> str:
    """OWASP's CSV-injection guard: a quote before a value a spreadsheet would run as a formula
    (starting with =, +, -, @, TAB or CR). Every CSV the program writes uses it."""
    return "'" + text if text[:1] in FORMULA_START else text


def unguard(text: str) -> str:
    """Undo `guard` (an import takes back what our CSV files wrote)."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_START else text


def check_value(fd: FieldDef, raw: object, lookups: Lookups | None) -> tuple[Any, str | None]:
    """One value against one field's rule: (stored value, None) or (None, message)."""
    text = unguard(raw.strip() if raw.__class__ is str else v.as_text(raw))  # type: ignore[attr-defined]
    if not text:
        return DEFAULTS.get(fd.key), (f"{fd.label} field is required" if fd.required else None)
    if fd.max_length is not None and len(text) > fd.max_length:
        return None, f"{fd.label} field too long: {len(text):,} characters (at most {fd.max_length})"
    if fd.kind == "text":
        return text, None
    try:
        return CHECKS[fd.kind](raw if fd.kind in TYPED_KINDS else text, lookups), None
    except v.Invalid as exc:
        reason = str(exc)
        message = f"{fd.label} field invalid: {_quoted(text)}"
        return None, f"{message} ({reason})" if reason else message


@lru_cache(maxsize=256)
def row_validator(module: str, keys: tuple[str, ...], partial: bool = False) -> RowValidator:
    return RowValidator(module, keys, partial=partial)


def validate_row(
    module: str, mapped_values: Mapping[str, object], lookups: Lookups | None = None, *, partial: bool = False,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Check the values of one record (field key → raw value) against the module's rules.

    Returns the clean values keyed by table column (`owner` → `owner_id`, `account` →
    `account_id`; a blank optional field → None, a blank status → `new`) and the errors as
    `(field key, message)`. Unknown keys are ignored. With `partial` (bulk updates) required
    fields that are absent are not an error; blanking one still is. Without `lookups`,
    `owner` is only checked as an e-mail and `account` kept as text, under their own keys.
    On errors the clean values are not to be used.
    """
    known = field_map(module)
    keys = tuple(k for k in known if k in mapped_values)
    check = row_validator(module.lower(), keys, partial)
    values, errors = check([mapped_values[k] for k in keys], lookups)
    clean = {column: value for column, value, fd in zip(check.columns(lookups), values, check.fields, strict=True)
             if not any(e[0] == fd.key for e in errors)}
    return clean, errors
