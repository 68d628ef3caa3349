"""`validate_row` for a whole batch at once, column by column, for bulk imports.

Checking a million rows one value at a time costs ~6 µs a row in Python; most columns of a
real file are plain text that is neither blank nor too long, which whole-column operations
(`map(str.strip, ...)`, `max(map(len, ...))`, `"" in column`) confirm at C speed. Only the
columns where that fails, and the kinds that need a real check (e-mail, phone, dates...),
look at single values - through the same `check_value` as `validate_row`, so the values and
messages are the same either way (a test compares the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress, count, repeat
from operator import not_
from typing import Any

from app.records import validators as v
from app.records.fields import LEAD_STATUSES, FieldDef, Lookups, RowValidator, check_value, unguard
from app.records.joined import column_matches

Errors = dict[int, list[tuple[str, str]]]
_STATUSES = frozenset(LEAD_STATUSES)


def _texts(column: Sequence[object]) -> tuple[list[str], bool]:
    """The column as trimmed text, and whether any value may be blank or start with a quote."""
    try:
        texts = list(map(str.strip, column))  # type: ignore[arg-type]
    except TypeError:  # workbook cells: numbers, dates, None
        texts = [x.strip() if isinstance(x, str) else v.as_text(x) for x in column]
    if texts and all(texts) and "\x00'" not in "\x00".join(texts) and texts[0][:1] != "'":  # C passes: none blank or quoted
        return texts, False
    if any(map(str.startswith, texts, repeat("'"))):
        texts = list(map(unguard, texts))
    return texts, True


def _failing(oks: Iterable[object]) -> list[int]:
    """Indexes of the false entries, at C speed."""
    return list(compress(count(), map(not_, oks)))


def _screen(fd: FieldDef, texts: list[str], maybe_blank: bool) -> tuple[list[Any], list[int]]:
    """Values that pass as they are, and the indexes that need `check_value` (blank, too long,
    or not passing the kind's own quick test)."""
    limit = fd.max_length
    suspects = set(_failing(texts)) if maybe_blank else set()
    if limit is not None and texts and max(map(len, texts)) > limit:
        suspects.update(i for i, n in enumerate(map(len, texts)) if n > limit)
    if fd.kind == "text":
        return texts, sorted(suspects)
    if fd.kind == "phone":
        oks = column_matches(v.PHONE_ITEM, texts)
        suspects.update(_failing(map(v.PHONE.match, texts) if oks is None else oks))
        return texts, sorted(suspects)
    if fd.kind == "email":
        suspects.update(_failing(v.emails_ok(texts)))
        return texts, sorted(suspects)
    if fd.kind == "status":  # a handful of distinct values: each is lowered and checked once
        lower = {text: text.lower() for text in set(texts)}
        lowered = list(map(lower.__getitem__, texts))
        if any(low not in _STATUSES for low in lower.values()):
            suspects.update(_failing(map(_STATUSES.__contains__, lowered)))
        return lowered, sorted(suspects)
    return [None] * len(texts), list(range(len(texts)))


def validate_columns(validator: RowValidator, columns: Sequence[Sequence[object]], lookups: Lookups | None
                     ) -> tuple[list[list[Any]], Errors]:
    """Columns of raw values (in `validator.keys` order, equal lengths) → clean columns and
    the errors of each failing row index. A failing row's clean values are not to be used."""
    errors: Errors = {}
    clean: list[list[Any]] = []
    size = len(columns[0]) if columns else 0
    if validator.missing:
        for index in range(size):
            errors[index] = list(validator.missing)
    for fd, column in zip(validator.fields, columns, strict=True):
        if fd.kind in ("datetime", "count", "owner", "account"):
            values, suspects = [None] * len(column), list(range(len(column)))
        else:
            values, suspects = _screen(fd, *_texts(column))
        for index in suspects:
            values[index], message = check_value(fd, column[index], lookups)
            if message is not None:
                errors.setdefault(index, []).append((fd.key, message))
        clean.append(values)
    return clean, errors
