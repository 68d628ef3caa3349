"""`batchdesk import` and `batchdesk export`."""

from __future__ import annotations

import argparse

from app.cli.errors import UsageError


def import_file(args: argparse.Namespace) -> int:
    raise UsageError("import is not available yet")


def export_records(args: argparse.Namespace) -> int:
    raise UsageError("export is not available yet")
