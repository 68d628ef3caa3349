"""Step 3: a dry run that shows what would be created, updated, skipped and failed, then
the import itself, followed live to its end, with its first errors and failed records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.api import run_detail
from app.api.run_detail import RunDetail
from app.engine.context import ProgressSnapshot
from app.transfer.api import TransferError, enqueue_import
from ui import format as fmt
from ui.card import muted, say
from ui.console import Console
from ui.detail.actions import ask_save_path
from ui.import_wizard.progress import RunProgress
from ui.theme import set_icon
from ui.thread_task import ThreadTask, while_alive

WATCH_MS = 300
ENDED = {"completed": "completed", "warning": "finished with warnings", "failed": "failed", "stopped": "was cancelled"}
FIRST_ERRORS = 10


class RunStep(QWidget):
    run_ended = Signal(int, str)  # run id, status
    saved = Signal(str)  # path of a downloaded failed-records file

    def __init__(self, console: Console, request: Callable[[], dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.request = request
        self.run_id: int | None = None
        self.dry_run = False
        self.detail: RunDetail | None = None
        self.snapshot: ProgressSnapshot | None = None
        self.task: ThreadTask | None = None
        self.plan = QLabel()
        self.plan.setObjectName("import-plan")
        self.plan.setWordWrap(True)
        self.dry_button = QPushButton("Dry Run")
        self.dry_button.setObjectName("import-dry-run")
        self.dry_button.setToolTip("Check every row and count what would happen, changing nothing")
        self.dry_button.clicked.connect(lambda: self.start(dry_run=True))
        self.run_button = QPushButton("Run Import")
        self.run_button.setObjectName("import-run")
        self.run_button.setProperty("primary", True)
        set_icon(self.run_button, "run")
        self.run_button.clicked.connect(lambda: self.start(dry_run=False))
        buttons = QHBoxLayout()
        buttons.addWidget(self.plan, 1)
        buttons.addWidget(self.dry_button)
        buttons.addWidget(self.run_button)
        self.headline = QLabel()
        self.headline.setObjectName("import-headline")
        self.headline.setWordWrap(True)
        self.workers_note = muted()
        self.hint = muted("Dry Run checks every row and counts what would be created, updated, skipped and "
                          "failed, changing nothing. Run Import imports the file; either is followed here to its "
                          "end, with the first row errors and the failed records to download.")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary = RunProgress()
        self.errors = QTableWidget(0, 3)
        self.errors.setObjectName("import-errors")
        self.errors.setHorizontalHeaderLabels(["Row", "Field", "Error"])
        self.errors.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.errors.verticalHeader().hide()
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.failed_button = QPushButton("Download Failed Records…")
        set_icon(self.failed_button, "failed-records")
        self.failed_button.setObjectName("import-failed-records")
        self.failed_button.clicked.connect(lambda: self.download_failed())
        self.open_button = QPushButton("Open in Batch Jobs")
        self.open_button.setObjectName("import-open-run")
        self.open_button.clicked.connect(lambda: self.run_id is not None and self.console.open_run(self.run_id))
        after = QHBoxLayout()
        after.addWidget(self.failed_button)
        after.addWidget(self.open_button)
        after.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.headline)
        layout.addWidget(self.hint, 1)  # it holds the room the errors take once a run ended
        layout.addWidget(self.workers_note)
        layout.addWidget(self.summary)
        layout.addWidget(self.errors, 1)
        layout.addLayout(after)
        self.timer = QTimer(self)
        self.timer.setInterval(WATCH_MS)
        self.timer.timeout.connect(self._poll)
        console.snapshots.connect(self._snapshots)
        self._reset_view()

    def _reset_view(self) -> None:
        say(self.headline, "")
        self.hint.setVisible(self.run_id is None and self.task is None)  # before the first run only
        self.summary.setVisible(self.run_id is not None)
        self.errors.setVisible(False)
        self.failed_button.setVisible(False)
        self.open_button.setVisible(self.run_id is not None)

    def set_plan(self, text: str) -> None:
        self.plan.setText(text)

    def busy(self) -> bool:
        running = self.detail is not None and not self.detail.run.status.finished
        return (self.task is not None and self.task.running()) or (self.run_id is not None and running)

    # ------------------------------------------------------------------ start
    def start(self, *, dry_run: bool) -> None:
        if self.busy():
            return
        kwargs = {**self.request(), "dry_run": dry_run}
        engine = self.console.engine
        self.dry_run = dry_run
        self.run_id, self.detail = None, None
        self._reset_view()
        self.hint.hide()
        self.dry_button.setEnabled(False)
        self.run_button.setEnabled(False)
        say(self.headline, "Storing the file with the run…")
        self.task = ThreadTask(lambda: enqueue_import(engine, **kwargs), "import-enqueue", self)
        self.task.done.connect(self._queued)
        self.task.failed.connect(self._not_queued)
        self.task.start()

    def _not_queued(self, exc: Exception) -> None:
        self.dry_button.setEnabled(True)
        self.run_button.setEnabled(True)
        message = str(exc) if isinstance(exc, TransferError) else f"{type(exc).__name__}: {exc}"
        say(self.headline, f"✖ Not started: {message}", False)

    def _queued(self, run_id: int) -> None:
        self.run_id = run_id
        self._reset_view()
        what = "Dry run" if self.dry_run else "Import"
        say(self.headline, f"{what} queued as run #{run_id}…")
        workers = self.console.workers.count
        self.workers_note.setText("" if workers else "This console runs no workers: the run waits for a worker "
                                                    "elsewhere (Settings → Local workers).")
        self.workers_note.setVisible(not workers)
        self.console.runs_changed.emit([run_id])
        self.timer.start()
        self._poll()

    # ------------------------------------------------------------------ follow
    def _snapshots(self, snaps: dict[int, ProgressSnapshot]) -> None:
        if self.run_id in snaps and self.detail is not None:
            self.snapshot = snaps[self.run_id]
            self.summary.show_run(self.detail.run, self.snapshot)

    def _poll(self) -> None:
        if self.run_id is None:
            return
        engine, run_id = self.console.engine, self.run_id
        self.console.background.submit(lambda: run_detail.load(engine, run_id), while_alive(self, self._loaded),
                                       key="import-watch")

    def _loaded(self, detail: RunDetail) -> None:
        if detail.run.id != self.run_id:
            return
        self.detail = detail
        run = detail.run
        self.summary.show_run(run, self.snapshot if run.status.value == "started" else None)
        what = "Dry run" if self.dry_run else "Import"
        if not run.status.finished:
            say(self.headline, f"{what} #{run.id}: {run.status.label}…")
            return
        self.timer.stop()
        self.dry_button.setEnabled(True)
        self.run_button.setEnabled(True)
        # "1 created" / "1 would be created": "were created" read "1 were created"
        verb = " would be" if self.dry_run else ""
        counts = (f"{run.created:,}{verb} created, {run.updated:,} updated, {run.skipped:,} skipped, "
                  f"{run.failed:,} failed")
        ok = run.status.value in ("completed", "warning")
        say(self.headline, f"{what} #{run.id} {ENDED.get(run.status.value, run.status.label.lower())}: {counts}."
            + (f" {run.error}" if run.error else ""), ok if not run.failed else None)
        self.failed_button.setVisible(detail.artifact("failed_records") is not None)
        if detail.errors_total:
            engine = self.console.engine
            self.console.background.submit(lambda: run_detail.errors_page(engine, run.id, 0, FIRST_ERRORS),
                                           while_alive(self, self._show_errors), key="import-errors")
        self.run_ended.emit(run.id, run.status.value)

    def _show_errors(self, rows: list[dict[str, Any]]) -> None:
        self.errors.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate((fmt.row_label(row.get("row_number")), row.get("field"), row.get("message"))):
                self.errors.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
        self.errors.resizeColumnToContents(0)
        self.errors.setVisible(bool(rows))

    # ------------------------------------------------------------------ files
    def download_failed(self, path: str | None = None) -> None:
        artifact = self.detail.artifact("failed_records") if self.detail else None
        if artifact is None:
            return
        chosen = path or ask_save_path(self, "Download Failed Records", artifact["name"])
        if not chosen:
            return
        engine, artifact_id = self.console.engine, int(artifact["id"])
        self.console.background.submit(lambda: run_detail.save_artifact(engine, artifact_id, chosen),
                                       while_alive(self, lambda size: self._saved(chosen, size)),
                                       while_alive(self, lambda exc: say(self.headline, f"✖ Could not save: {exc}", False)))

    def _saved(self, path: str, size: int) -> None:
        self.console.message.emit(f"Saved {path} ({size:,} bytes)")
        say(self.headline, f"{self.headline.text()}\nSaved the failed records to {Path(path).name} ({size:,} bytes).")
        self.saved.emit(path)
