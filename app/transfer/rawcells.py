"""A failed row's cells as stored with its errors (`job_row_errors.raw`), types kept.

`raw` is JSON: text, numbers and booleans are themselves, but a workbook's date, date-time,
time and duration cells have no JSON form. They are stored as the text people read in the
error details (ISO dates), and their kinds go beside them under `TYPES_KEY`, so the
failed-records workbook can give them back as date cells with a date format (an admin fixes
those rows in Excel and re-imports them: a date must not come back as text). The key is the
empty string: no header is empty (a blank one is named `Column N`), so it names no column.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from app.engine.row_errors import TYPES_KEY
from app.records.validators import as_text

KINDS: dict[type, str] = {dt.datetime: "datetime", dt.date: "date", dt.time: "time", dt.timedelta: "duration"}
DURATION = re.compile(r"(?:(-?\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)\Z")


def raw_json(headers: list[str], cells: list[Any]) -> dict[str, Any]:
    """The row as the file had it, JSON-safe (dates as ISO text, their kinds under `TYPES_KEY`)."""
    raw: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for i, cell in enumerate(cells):
        name = headers[i] if i < len(headers) else f"Column {i + 1}"
        if isinstance(cell, str | int | float | bool) or cell is None:
            raw[name] = cell
            continue
        raw[name] = str(cell) if isinstance(cell, dt.timedelta) else as_text(cell)
        if kind := KINDS.get(type(cell)):
            kinds[name] = kind
    if kinds:
        raw[TYPES_KEY] = kinds
    return raw


def cell_values(raw: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """(the columns' values, the kinds of the typed ones) of a stored `raw`."""
    if not isinstance(raw, dict):
        return {}, {}
    kinds = raw.get(TYPES_KEY)
    values = {k: v for k, v in raw.items() if k != TYPES_KEY}
    return values, kinds if isinstance(kinds, dict) else {}


def typed(value: Any, kind: str | None) -> Any:
    """The cell's own value again (a date from its ISO text); the text when it does not parse."""
    if kind is None or not isinstance(value, str):
        return value
    try:
        if kind == "datetime":
            return dt.datetime.fromisoformat(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "time":
            return dt.time.fromisoformat(value)
        if kind == "duration" and (match := DURATION.match(value)):
            days, hours, minutes, seconds = match.groups()
            return dt.timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    except ValueError:
        pass
    return value
