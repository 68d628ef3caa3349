"""Fixtures for the console: a real window on a fresh demo database (both backends), with
its settings in the test's own home, closed and joined after the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.db.engine import make_engine


@pytest.fixture
def console_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("BATCHDESK_HOME", str(home))
    monkeypatch.setenv("BATCHDESK_USER", "tester")
    return home


@pytest.fixture
def console_engine(demo_db_url: str) -> Iterator[Engine]:
    engine = make_engine(demo_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def query_thread(qtbot):  # type: ignore[no-untyped-def]
    """A background query thread like the console's, for a dialog tested on its own; joined after."""
    from ui.background import Background

    background = Background("test-queries")
    yield background
    background.close()


@pytest.fixture
def make_window(qtbot, console_home: Path, console_engine: Engine):  # type: ignore[no-untyped-def]
    """make_window(workers=0, mode="threads"|"processes", start=None) -> MainWindow, started and shown;
    closed (cancelling) afterwards."""
    from ui.app import build_window
    from ui.console import Console

    made = []

    def make(workers: int = 0, scheduler: bool = False, mode: str = "threads", start=None):  # type: ignore[no-untyped-def]
        console = Console(console_engine)
        window = build_window(console)
        if start is not None:  # the way a command starts it, e.g. ui.app.start_for_screenshots
            start(console)
        else:
            console.start(workers=workers, scheduler=scheduler, mode=mode)
        # pytest-qt closes registered widgets before fixtures are torn down: decide for the
        # running jobs first, or the close would ask a question nobody can answer offscreen.
        qtbot.addWidget(window, before_close_func=lambda w: w.close_with("cancel"))
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close_with("cancel")
    # The windows are closed (and deleted by pytest-qt): collect their charts on this, the GUI,
    # thread and let the collector run automatically again for the tests that follow.
    from PySide6.QtCore import QCoreApplication, QEvent

    from ui import collector

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    collector.uninstall()
