"""Driving the console like a person: wait for rows, click cells, answer message boxes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget


def wait_loaded(qtbot, page, timeout: int = 15000) -> None:  # type: ignore[no-untyped-def]
    """Until the count has arrived and the first page of rows is on screen."""
    def ready() -> bool:
        model = page.model
        if model.total is None:
            return False
        return model.total == 0 or model.index(0, 0).data(model_id_role()) is not None
    qtbot.waitUntil(ready, timeout=timeout)


def model_id_role() -> int:
    from ui.history_model import ID_ROLE

    return ID_ROLE


def click_row(qtbot, table, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    rect = table.visualRect(table.model().index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def click_header(qtbot, table, column: int) -> None:  # type: ignore[no-untyped-def]
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def answer_next_modal(qtbot, button_name: str, then: Callable[[QWidget], None] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Click the button with this object name in the next modal dialog that opens."""
    seen: list[str] = []

    def press() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(20, press)
            return
        seen.append(modal.objectName())
        if then is not None:
            then(modal)
        button = modal.findChild(QPushButton, button_name)
        if button is None and isinstance(modal, QMessageBox):
            button = next(b for b in modal.buttons() if b.objectName() == button_name)
        assert button is not None, f"no button {button_name!r} in {modal.objectName()}"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, press)
    return seen


def add_old_runs(engine, copies_of_each_cubed: bool = True) -> int:  # type: ignore[no-untyped-def]
    """Add (runs already there)^3 finished runs from 2020: real work for a retention clean-up
    long enough to cancel while it runs. Returns how many were added."""
    from sqlalchemy import func, select, text

    from app.db import tables

    stamp = "2020-01-15 10:00:00.000000"
    with engine.begin() as conn:
        before = conn.execute(select(func.count()).select_from(tables.job_runs)).scalar_one()
        conn.execute(text(
            "INSERT INTO job_runs (type, module, run_date, params, status, processed, created, updated, skipped, "
            "failed, errors_count, initiated_by, queued_at, started_at, finished_at, updated_at, cancel_requested, "
            "attempts, archived) "
            "SELECT 'export', 'leads', :day, '{}', 'completed', 1, 0, 0, 0, 0, 0, 'old.admin', :at, :at, :at, :at, "
            "false, 1, false FROM job_runs a, job_runs b, job_runs c"
        ), {"day": "2020-01-15", "at": stamp})
        after = conn.execute(select(func.count()).select_from(tables.job_runs)).scalar_one()
    return int(after - before)



class WriteGate:
    """Holds what the next batch of a retention clean-up (see add_old_runs) must write, so the
    job waits in the middle of its work until `release()`: whatever the machine's load, it is
    still running while a test clicks. SQLite: the database's write lock; PostgreSQL: row
    locks on the old runs it archives (its own run's row stays free)."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        import sqlite3

        from sqlalchemy import text

        self._sqlite: sqlite3.Connection | None = None
        self._conn = None
        if engine.dialect.name == "sqlite":
            self._sqlite = sqlite3.connect(engine.url.database, timeout=30, isolation_level=None)
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            self._conn = engine.connect()
            self._conn.execute(text("SELECT id FROM job_runs WHERE queued_at < '2021-01-01' FOR UPDATE"))

    def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
            self._sqlite = None
        if self._conn is not None:
            self._conn.rollback()
            self._conn.close()
            self._conn = None


class PauseAfterFirstBatch:
    """Holds an in-process job of `job_key` right after its first counted batch until
    `release()`: it has done some work and shows it, holds no database lock, and has not yet
    reached its next stop check, however fast or loaded the machine (a lock held from outside
    could come too late, when the job was already past its last check)."""

    def __init__(self, monkeypatch, job_key: str) -> None:  # type: ignore[no-untyped-def]
        import threading

        from app.engine.context import JobContext

        self.paused, self.go = threading.Event(), threading.Event()
        count = JobContext.count

        def pausing(ctx: JobContext, **deltas: int) -> None:
            count(ctx, **deltas)
            if ctx.job.key == job_key and not self.go.is_set():
                self.paused.set()
                self.go.wait(120)

        monkeypatch.setattr(JobContext, "count", pausing)

    def release(self) -> None:
        self.go.set()


@contextmanager
def themed(monkeypatch, scheme: str) -> Iterator[QApplication]:  # type: ignore[no-untyped-def]
    """The application in the light or dark palette for the block, light again after it."""
    from ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    monkeypatch.setenv("BATCHDESK_THEME", scheme)
    apply_theme(app)
    try:
        yield app
    finally:
        monkeypatch.setenv("BATCHDESK_THEME", "light")
        apply_theme(app)
