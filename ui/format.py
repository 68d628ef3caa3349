"""How values read on screen: local times, durations, counts, type titles."""

from __future__ import annotations

import datetime as dt

from app.api.history import type_title

__all__ = ["local_time", "duration", "count", "about", "type_title", "eta", "size", "row_label"]


def local_time(value: dt.datetime | None, seconds: bool = True) -> str:
    """Stored times are naive UTC; people read their own clock."""
    if value is None:
        return ""
    local = value.replace(tzinfo=dt.UTC).astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def duration(value: dt.timedelta | float | None) -> str:
    """"45s", "3m 07s", "2h 05m 09s"; from a day on, days, hours and minutes ("8d 19h 03m"):
    seconds mean nothing there, and "211h" has to be divided in one's head."""
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    seconds = max(0, int(round(seconds)))
    days, rest = divmod(seconds, 86400)
    if days:
        hours, rest = divmod(rest, 3600)
        return f"{days}d {hours}h {rest // 60:02d}m"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def about(value: int) -> str:
    """An estimate to two significant digits (538,609 -> "about 540,000"): its last digits are
    noise, and showing them would read as a count."""
    if value >= 100:
        step = 10 ** (len(str(value)) - 2)
        value = (value + step // 2) // step * step
    return f"about {value:,}"


def eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return "less than a second left" if seconds < 0.5 else f"about {duration(seconds)} left"  # not "about 0s"


def row_label(row_number: int | None) -> str:
    """A row error's place as the seed's Error Details names it ("Row 47"): the spreadsheet
    row (header = row 1), written as Excel numbers its rows (no thousands separator), the
    same in the import wizard and the run's Error Details."""
    return "" if row_number is None else f"Row {row_number}"


def size(value: int) -> str:
    """A file size as people say it: "219 bytes", "783 KB", "12.4 MB" (1 KB = 1,024 bytes)."""
    if value < 1024:
        return f"{value:,} byte" + ("" if value == 1 else "s")
    amount, unit = value / 1024, "KB"
    for bigger in ("MB", "GB", "TB"):
        if amount < 1024:
            break
        amount, unit = amount / 1024, bigger
    digits = 0 if unit == "KB" or amount >= 100 else 1
    return f"{amount:,.{digits}f} {unit}"
