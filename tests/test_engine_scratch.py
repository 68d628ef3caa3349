"""Scratch folders left by a killed process are removed by the next one; live ones are kept."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.engine import scratch
from app.engine.scratch import scratch_dir, sweep_orphans

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sweep checks process ids on POSIX only")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sweep_removes_only_dead_processes_folders(tmp_path: Path) -> None:
    dead = tmp_path / f"batchdesk-import-{_dead_pid()}-abc"
    (dead / "copy.csv").parent.mkdir()
    (dead / "copy.csv").write_text("email\n")
    mine = tmp_path / f"batchdesk-export-{os.getpid()}-def"
    mine.mkdir()
    unrelated = [tmp_path / "batchdesk-import-xyz", tmp_path / "other-1-2", tmp_path / "batchdesk-setup-1-2.lock"]
    for path in unrelated[:2]:
        path.mkdir()
    unrelated[2].write_text("")
    assert sweep_orphans(tmp_path) == [dead]
    assert not dead.exists()
    assert mine.is_dir() and all(path.exists() for path in unrelated)


def test_scratch_dir_is_named_for_its_process_and_removed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(scratch.tempfile, "tempdir", str(tmp_path))
    orphan = tmp_path / f"batchdesk-import-{_dead_pid()}-old"
    orphan.mkdir()
    with scratch_dir("import") as folder:
        assert folder.parent == tmp_path and folder.name.startswith(f"batchdesk-import-{os.getpid()}-")
        assert not orphan.exists()
        (folder / "source.csv").write_text("x")
    assert not folder.exists()
