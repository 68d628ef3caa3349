"""Exit codes and the one-line errors a person understands."""

from __future__ import annotations

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGPIPE = 141  # what a shell reports for a command ended by SIGPIPE


class UsageError(Exception):
    """Bad command-line input: exit 2 with this message."""


class CommandFailed(Exception):
    """The command ran but did not succeed: exit 1 with this message."""
