"""Starting the console: the QApplication, the database, the window, the embedded workers
and scheduler; or, with a screenshot directory, a PNG of every page and dialog, then exit."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.cli.database import open_database
from ui import collector
from ui.console import Console
from ui.display_check import DisplayUnavailable, check_display
from ui.main_window import MainWindow
from ui.screenshots import save_screenshots
from ui.settings.database_card import startup_url
from ui.theme import apply_theme, icon

__all__ = ["DisplayUnavailable", "application", "build_window", "run_console", "start_for_screenshots"]

log = logging.getLogger(__name__)
SWITCH_INTERVAL_S = 0.002


def application() -> QApplication:
    """The one QApplication of this process (made once; high-DPI friendly)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    # Worker threads run job code in this process: a shorter interpreter switch interval
    # hands the lock back to the GUI thread sooner when it asks (measured in bench/ui.py).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Batchdesk")
    app.setOrganizationName("Batchdesk")
    app.setDesktopFileName("batchdesk")
    return app


def build_window(console: Console) -> MainWindow:
    app = application()
    collector.install()  # charts must never be freed on a worker thread
    apply_theme(app)
    app.setWindowIcon(icon("batchdesk", "#2563eb"))

    if not app.property("batchdesk-follows-scheme"):  # once per process, however many windows
        app.setProperty("batchdesk-follows-scheme", True)
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
    window = MainWindow(console)
    collector.freeze()  # a full collection walks only what comes later (90 ms -> see collector.py)
    return window


def start_for_screenshots(console: Console) -> None:
    """No workers and no scheduler: pictures of the data as it is, with nothing claiming runs."""
    console.start(workers=0, scheduler=False, note="not started in screenshot mode")


def run_console(db: str | None, screenshot_dir: str | None) -> int:
    check_display()
    app = application()
    engine = open_database(startup_url(db))
    console = Console(engine)
    window = build_window(console)
    if screenshot_dir is not None:
        start_for_screenshots(console)
        try:
            saved = save_screenshots(window, Path(screenshot_dir))
        finally:
            window.close_with("cancel")
            _dispose(app, window)
        print(f"saved {len(saved)} screenshots to {screenshot_dir}")
        return 0
    console.start()
    window.show()
    code = app.exec()
    _dispose(app, window)
    return code


def _dispose(app: QApplication, window: MainWindow) -> None:
    """Delete the widgets while Python is still whole: leaving it to interpreter shutdown
    crashes PySide6 in the garbage collector."""
    window.deleteLater()
    app.processEvents()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    import gc

    gc.collect()
