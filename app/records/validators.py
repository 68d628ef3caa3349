"""Value checks for record fields: each turns a raw cell (text from CSV, or a typed XLSX
value) into the value stored, or raises `Invalid` with the reason shown after the message.

E-mail syntax is email-validator's, not a homemade regex. Its full `validate_email` costs
~37 µs per address (mostly re-checking the domain), far too slow for a million-row import,
so plain ASCII addresses go through the library's own local-part check plus its domain
check cached per domain; anything unusual (quotes, display names, non-ASCII) takes the
full call. Both paths apply the same library rules, with its test-environment switch on:
SPEC asks for address syntax, and the library otherwise refuses the reserved `.test` domain
(RFC 2606), which is syntax-valid and what test data and staging systems use.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from operator import itemgetter

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import ATEXT
from email_validator.syntax import EMAIL_MAX_LENGTH, validate_email_domain_name, validate_email_local_part

PHONE_CHARS = re.compile(r"^[0-9+().\- ]+$")
PHONE_ITEM = r"[+(). -]*(?:[0-9][+(). -]*){7,20}"  # the allowed characters and 7-20 digits, in one pass
PHONE = re.compile(rf"{PHONE_ITEM}\Z")  # (\Z: "$" would also pass a value ending in a newline)
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # serial 1 = 1900-01-01 in Excel's (1900) date system
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


# The library's own first test of a local part (its DOT_ATOM_TEXT), then "@" and a plain ASCII
# domain that the library's domain check judges (cached): a whole column at C speed.
PLAIN_ADDRESS = re.compile(rf"[{ATEXT}]++(?:\.[{ATEXT}]++)*+@([0-9A-Za-z.\-]++)")


class Invalid(ValueError):
    """The value breaks the field's rule; the text (may be empty) says why."""


def as_text(value: object) -> str:
    """A cell as trimmed text; whole-number floats (how XLSX readers return 42) lose `.0`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


@lru_cache(maxsize=65536)
def _domain_ok(domain: str) -> bool:
    if "." not in domain:  # the test switch would also let a bare `@test` through
        return False
    try:
        validate_email_domain_name(domain, test_environment=True)
    except EmailNotValidError:
        return False
    return True


def email(value: str) -> str:
    """Address syntax per email-validator (no DNS look-up); the address is kept as written."""
    if value.isascii() and value.count("@") == 1 and '"' not in value and "<" not in value:
        local, _, domain = value.partition("@")
        if not local or not domain or len(value) > EMAIL_MAX_LENGTH or not _domain_ok(domain):
            raise Invalid("")
        try:
            validate_email_local_part(local)
        except EmailNotValidError:
            raise Invalid("") from None
        return value
    try:
        checked = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise Invalid("") from None
    if "." not in checked.ascii_domain:
        raise Invalid("")
    return value


def emails_ok(values: list[str]) -> list[object]:
    """Per value, something true when it is a plain valid address; a false entry only means
    "look closer" (`email()` decides those, with the full library call where needed)."""
    matches: list[object] = list(map(PLAIN_ADDRESS.fullmatch, values))
    domains = set(map(itemgetter(1), filter(None, matches)))  # type: ignore[arg-type]
    bad = {d for d in domains if not _domain_ok(d)}
    if bad or (values and max(map(len, values)) > EMAIL_MAX_LENGTH):
        matches = [m if m is not None and m[1] not in bad and len(m[0]) <= EMAIL_MAX_LENGTH else None  # type: ignore[index]
                   for m in matches]
    return matches


def phone(value: str) -> str:
    """Digits with `+ ( ) - .` and spaces; 7 to 20 digits."""
    if PHONE.match(value):
        return value
    if not PHONE_CHARS.match(value):
        raise Invalid("use digits with + ( ) - . and spaces")
    digits = sum(c.isdigit() for c in value)
    raise Invalid(f"{digits} digits; a phone number has 7 to 20")


def whole_number(value: object) -> int:
    """A whole number ≥ 0; XLSX gives 250.0, a CSV may say `250` or `250.0`."""
    if isinstance(value, bool):
        raise Invalid("a whole number of 0 or more")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise Invalid("a whole number of 0 or more")
        number = int(value)
    else:
        text = as_text(value)
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise Invalid("a whole number of 0 or more") from None
            if not as_float.is_integer():
                raise Invalid("a whole number of 0 or more") from None
            number = int(as_float)
    if number < 0:
        raise Invalid("a whole number of 0 or more")
    return number


def _from_excel_serial(serial: float) -> dt.datetime:
    if not 1 <= serial <= EXCEL_MAX_SERIAL:
        raise Invalid("use an ISO date such as 2024-05-31")
    return EXCEL_EPOCH + dt.timedelta(days=serial)


def date_time(value: object) -> dt.datetime:
    """An ISO date or date-time (zones become naive UTC), an XLSX date cell, or an Excel
    date serial number (days since 1899-12-30, as spreadsheets store dates)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_excel_serial(float(value))
    else:
        text = as_text(value)
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            try:
                moment = _from_excel_serial(float(text))
            except ValueError:
                raise Invalid("use an ISO date such as 2024-05-31") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment
