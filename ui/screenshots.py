"""`gui --screenshot DIR`: every page, every registered dialog, and the states pages offer
(e.g. a run's detail), each saved as a PNG once its data has loaded."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QWidget

from ui.main_window import MainWindow

SETTLE_TIMEOUT_S = 20.0


def settle(window: MainWindow, extra: Callable[[], bool] | None = None) -> None:
    """Process events until the background queries are done (and `extra()` holds)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    quiet = 0
    while time.monotonic() < deadline and quiet < 3:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        busy = window.console.background.pending() > 0 or (extra is not None and not extra())
        quiet = 0 if busy else quiet + 1
        if busy:
            time.sleep(0.01)


def grab(widget: QWidget, path: Path) -> Path:
    widget.grab().save(str(path))
    return path


def save_screenshots(window: MainWindow, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    window.resize(1400, 860)
    window.show()
    saved: list[Path] = []
    for spec in window.page_specs:
        page = window.show_page(spec.key)
        settle(window)
        saved.append(grab(window, directory / f"page-{spec.key}.png"))
        steps = getattr(page, "screenshot_steps", None)
        for name, step in (steps() if callable(steps) else []):
            step()
            settle(window)
            saved.append(grab(window, directory / f"page-{spec.key}-{name}.png"))
    for dialog_spec in window.dialog_specs:
        make = dialog_spec.screenshot or dialog_spec.factory
        dialog = make(window.console, window)
        dialog.show()
        settle(window)
        saved.append(grab(dialog, directory / f"dialog-{dialog_spec.key}.png"))
        dialog.close()
        dialog.deleteLater()
    return saved
