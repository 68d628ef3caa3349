"""Dialogs fit the screen they open on: on an 800x600 screen (the offscreen platform given
that screen by a config file) `gui --screenshot` opens every dialog no larger than the
screen's available area, and on a large screen they open at their full size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

FULL = {"run_job": (1040, 700), "import": (1020, 720)}


def dialog_sizes(db_url: str, tmp_path: Path, width: int, height: int) -> dict[str, tuple[int, int]]:
    """The client size of every dialog, from `gui --screenshot` on a screen of this size."""
    config = tmp_path / f"screen-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [{"name": "small", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "dpr": 1}]}))
    shots = tmp_path / f"shots-{width}x{height}"
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    done = subprocess.run([sys.executable, "-m", "app.cli.main", "--db", db_url, "gui", "--screenshot", str(shots)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    sizes = {}
    for path in shots.glob("dialog-*.png"):
        image = QImage(str(path))
        sizes[path.stem.removeprefix("dialog-")] = (image.width(), image.height())
    return sizes


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_dialogs_fit_a_small_screen_and_open_full_size_on_a_large_one(demo_db_url: str, tmp_path: Path) -> None:
    small = dialog_sizes(demo_db_url, tmp_path, 800, 600)
    assert set(small) >= set(FULL), small
    for key, (width, height) in small.items():
        assert width <= 800 - 16 and height <= 600 - 40, f"{key} opens at {width}x{height} on an 800x600 screen"
        assert width >= 600 and height >= 400, f"{key} shrank to {width}x{height}"
    large = dialog_sizes(demo_db_url, tmp_path, 1920, 1080)
    for key, size in FULL.items():
        assert large[key] == size, f"{key} opens at {large[key]} on a 1920x1080 screen"
