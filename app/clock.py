"""Naive-UTC time, the one convention every table uses (SQLite stores no zone)."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    """The local calendar day: a run date is the admin's day, not UTC's."""
    return dt.date.today()
