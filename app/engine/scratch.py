"""Scratch folders for jobs, swept when the process that made one died without removing it.

A job copies its source file or writes its export in a temporary folder. A worker that is
killed (SIGKILL, power cut) never runs the folder's clean-up, and an import's copy of a
large file stays on disk for good. Each folder's name therefore carries its process id,
and making a new one first removes those whose process no longer exists.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "batchdesk-"
_NAME = re.compile(rf"^{PREFIX}[a-z]+-(\d+)-")


@contextlib.contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A temporary folder named for this process, removed on exit; dead processes' folders go first."""
    sweep_orphans()
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{kind}-{os.getpid()}-") as folder:
        yield Path(folder)


def sweep_orphans(parent: Path | None = None) -> list[Path]:
    """Remove this user's scratch folders whose process has gone; the folders removed."""
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return []
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*-*-*"):
        match = _NAME.match(folder.name)
        if match is None or not folder.is_dir() or pid_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if folder.stat().st_uid != os.getuid():
                continue
            shutil.rmtree(folder)
            removed.append(folder)
            log.info("removed %s, left by a process that ended without cleaning up", folder)
    return removed


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (POSIX; another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
