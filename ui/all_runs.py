"""Cancel and Replay on every run of the history's filter (the table's select-all): how many
each would act on, counted in the database; the question that names that number; and the
action itself, in SQL on a background thread. No run's row is loaded for any of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.api import runs as run_api
from app.engine.bulk import Actionable, BulkOutcome
from app.engine.history import RunFilter
from ui.background import Background, Superseded
from ui.console import Console
from ui.detail.actions import ReplayDialog

RECOUNT_MS = 1000  # runs changed while all are selected: count again at most this often


def runs_text(count: int) -> str:
    return f"{count:,} run" + ("" if count == 1 else "s")


def confirm_cancel_all(parent: QWidget, count: int) -> bool:
    box = QMessageBox(parent)
    box.setObjectName("ConfirmCancelAll")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Cancel runs")
    box.setText(f"Cancel all {runs_text(count)} of this filter that are queued or running?")
    box.setInformativeText("Queued runs stop at once, running ones at their next check. Records already "
                           "processed stay in the system; only the remaining ones are skipped.")
    yes = box.addButton(f"Cancel {runs_text(count).title()}", QMessageBox.ButtonRole.DestructiveRole)
    yes.setObjectName("confirm-cancel-yes")
    keep = box.addButton("Don't Cancel", QMessageBox.ButtonRole.RejectRole)
    keep.setObjectName("confirm-cancel-no")
    box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is yes


class AllRuns(QObject):
    """The counts and actions of "every run of `flt`" while the table has all rows selected."""

    changed = Signal()  # counts arrived (or were dropped): redraw the buttons
    acted = Signal(str)  # an action ended: what it did, for the status bar

    def __init__(self, console: Console, counts: Background, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self._counts = counts
        self.filter: RunFilter | None = None  # None: not all rows are selected
        self.actionable: Actionable | None = None  # None while counting
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_MS)
        self._recount.timeout.connect(self.count)
        console.runs_changed.connect(lambda _ids: self._recount.start() if self.filter is not None else None)

    def select(self, flt: RunFilter | None) -> None:
        """All runs of `flt` are selected now (None: no longer)."""
        if flt == self.filter:
            return
        self.filter, self.actionable = flt, None
        self._recount.stop()
        if flt is not None:
            self.count()
        self.changed.emit()

    def count(self) -> None:
        flt, engine = self.filter, self.console.engine
        if flt is None:
            return

        def arrived(found: Actionable) -> None:
            if flt == self.filter:
                self.actionable = found
                self.changed.emit()

        def failed(error: Exception) -> None:
            if not isinstance(error, Superseded) and flt == self.filter:
                self.console.message.emit(f"Could not count the selected runs: {error}")

        self._counts.submit(lambda: run_api.count_actionable(engine, flt), arrived, failed, key="all-runs-count")

    def cancel(self, parent: QWidget) -> None:
        flt, found = self.filter, self.actionable
        if flt is None or found is None or not found.cancellable or not confirm_cancel_all(parent, found.cancellable):
            return
        engine = self.console.engine

        def done(outcome: BulkOutcome) -> None:
            self.console.workers.cancel_local(outcome.running)  # they stop now, not at their next check
            self._acted(f"Cancel requested for {runs_text(outcome.done)}")

        self._submit(lambda: run_api.cancel_matching(engine, flt), done)

    def replay(self, parent: QWidget) -> None:
        flt, found = self.filter, self.actionable
        if flt is None or found is None or not found.replayable:
            return
        dialog = ReplayDialog(parent, [], None, what=f"all {runs_text(found.replayable)} of this filter that have ended")
        if dialog.exec() != ReplayDialog.DialogCode.Accepted:
            return
        day, engine = dialog.run_date(), self.console.engine
        self._submit(lambda: run_api.replay_matching(engine, flt, day),
                     lambda outcome: self._acted(f"Replayed {runs_text(outcome.done)}: queued as new runs"))

    def _submit(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.console.background.submit(fn, done, lambda exc: self.console.message.emit(str(exc)))

    def _acted(self, message: str) -> None:
        self.acted.emit(message)
        self.count()
