"""A batch of import rows, held column-wise, and its encodings for the two backends.

Rows are validated column by column (`app.records.columns`), so a batch keeps the clean
columns and, as row indexes, which rows to insert and which key updates which row. The
writer turns the chosen rows into PostgreSQL COPY text (built with `str.join`, about four
times cheaper than psycopg's per-row `write_row`) or into tuples for SQLite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

COUNTERS = ("processed", "created", "updated", "skipped", "failed")
NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = ("\\", "\t", "\n", "\r")


@dataclass
class Batch:
    """Rows read since the last commit: clean columns, what to do with each row, what to report."""

    columns: list[list[Any]] = field(default_factory=list)  # clean values, in the mapped columns' order
    inserts: list[int] = field(default_factory=list)  # row indexes to create
    insert_keys: list[str] = field(default_factory=list)
    updates: dict[str, int] = field(default_factory=dict)  # key → the last row index with that key
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    errors: list[tuple[int, str, str | None, Any]] = field(default_factory=list)
    rows_read: int = 0
    sequence: int = 0  # its place in the file: batches commit in this order
    payload: Any = None  # what the backend writes, made by Backend.encode


def pick(column: Sequence[Any], indexes: list[int]) -> list[Any]:
    """column[i] for each index, at C speed."""
    if not indexes:
        return []
    if len(indexes) == 1:
        return [column[indexes[0]]]
    return list(itemgetter(*indexes)(column))


def copy_field(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return str(value)


def copy_column(values: list[Any]) -> list[str]:
    """Values as COPY text fields (escaped; None → \\N). Plain text columns, the usual case,
    are checked in one pass over their joined text and left as they are."""
    try:
        joined = "".join(values)
    except TypeError:
        return list(map(copy_field, values))
    if any(c in joined for c in _SPECIAL):
        return [v.translate(_ESCAPES) for v in values]
    return values


def copy_text(columns: list[list[Any]], constants: Sequence[Any], lead: Sequence[Any] = ()) -> bytes:
    """COPY text for rows made of `lead` constants, the given columns, then `constants`.

    First as they are: when every value is text, the rows are joined at once and the result
    is checked in three C passes (exactly one tab between fields, one newline per row, no
    backslash or CR), instead of joining each column once more to look for those (a tenth
    of the reader's encoding time). Otherwise, column by column with escapes."""
    if not columns or not columns[0]:
        return b""
    size = len(columns[0])
    heads = [copy_field(c) for c in lead]
    tails = [copy_field(c) for c in constants]
    with contextlib.suppress(TypeError):  # a None, a date or a number: the escaping path
        text = _lines([*(repeat(c, size) for c in heads), *columns, *(repeat(c, size) for c in tails)])
        width = len(heads) + len(columns) + len(tails)
        if (text.count("\t") == size * (width - 1) and text.count("\n") == size
                and "\\" not in text and "\r" not in text):
            return text.encode()
    parts: list[Iterable[str]] = [repeat(c, size) for c in heads]
    parts += [copy_column(col) for col in columns]
    parts += [repeat(c, size) for c in tails]
    return _lines(parts).encode()


def _lines(parts: Sequence[Iterable[str]]) -> str:
    return "\n".join(map("\t".join, zip(*parts, strict=False))) + "\n"


def replace_none(values: list[Any], fill: Any, convert: Callable[[Any], Any] | None = None) -> list[Any]:
    if convert is None:
        return [fill if v is None else v for v in values] if None in values else values
    return [fill if v is None else convert(v) for v in values]
