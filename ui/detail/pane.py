"""The job detail pane: header, actions, and the Summary / Processing Log / Error Details /
Configuration tabs of one run, kept live while the run changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.api import run_detail as api
from app.api.runs import can_cancel, can_replay, cancel_runs, replay_runs
from app.engine.context import ProgressSnapshot
from ui.console import Console
from ui.detail.actions import ReplayDialog, ask_save_path, confirm_cancel
from ui.detail.config_view import ConfigView
from ui.detail.errors_view import ERRORS_PAGE, ErrorsView
from ui.detail.log_view import LogView
from ui.detail.summary import SummaryTab
from ui.theme import chip_text_color, set_icon, status_color

RELOAD_MS = 400


class RunDetailPane(QWidget):
    loaded = Signal(int)  # run id whose detail is now shown
    log_updated = Signal(int)  # lines shown
    errors_loaded = Signal(int)  # offset
    action_done = Signal(str)  # what happened, in words

    def __init__(self, console: Console, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunDetailPane")
        self.console = console
        self.run_id: int | None = None
        self.detail: api.RunDetail | None = None
        self.snapshot: ProgressSnapshot | None = None

        self.title = QLabel("Select a run")
        self.title.setObjectName("PaneTitle")
        self.chip = QLabel()
        self.chip.setObjectName("detail-status")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("Muted")
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.chip)
        head.addStretch(1)

        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        actions.setSpacing(6)
        for key, title, icon_name, slot in (
            ("cancel", "Cancel", "cancel", self.cancel),
            ("replay", "Replay…", "replay", self.replay),
            ("download", "Download", "download", self.download),
            ("failed_records", "Download Failed Records", "failed-records", self.download_failed),
            ("export_errors", "Export Errors to Excel", "excel", self.export_errors),
        ):
            button = QPushButton(title)
            set_icon(button, icon_name)
            button.setObjectName(f"detail-{key}")
            button.setEnabled(False)
            button.clicked.connect(slot)
            actions.addWidget(button)
            self.buttons[key] = button
        actions.addStretch(1)

        self.summary = SummaryTab()
        self.log = LogView()
        self.errors = ErrorsView()
        self.errors.page_requested.connect(self._load_errors)
        self.config = ConfigView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("detail-tabs")
        # The summary scrolls in a short pane, so the history above keeps its rows on a small screen.
        summary_scroll = QScrollArea()
        summary_scroll.setObjectName("summary-scroll")
        summary_scroll.setWidgetResizable(True)
        summary_scroll.setFrameShape(QFrame.Shape.NoFrame)
        summary_scroll.setWidget(self.summary)
        self.tabs.addTab(summary_scroll, "Summary")
        self.tabs.addTab(self.log, "Processing Log")
        self.tabs.addTab(self.errors, "Error Details")
        self.tabs.addTab(self.config, "Configuration")
        self.tabs.setDocumentMode(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(self.subtitle)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        self.setEnabled(False)

        self._config: dict[str, Any] | None = None
        # a live run changes several times a second: re-read it at most every RELOAD_MS
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_MS)
        self._reload_timer.timeout.connect(self._reload)
        console.runs_changed.connect(self._runs_changed)
        console.snapshots.connect(self._snapshots)

    # ------------------------------------------------------------ loading
    def show_run(self, run_id: int) -> None:
        if run_id == self.run_id:
            return
        self.run_id = run_id
        self.detail = None
        self.snapshot = None
        self._config = None
        self._reload_timer.stop()
        self.log.reset()
        self.summary.clear_samples()
        self.errors.show_page(0, 0, [])
        self.setEnabled(True)
        self.title.setText(f"Run #{run_id}")
        self._reload()

    def _reload(self) -> None:
        run_id, engine = self.run_id, self.console.engine
        if run_id is None:
            return
        self.console.background.submit(lambda: api.load(engine, run_id), lambda d: self._detail_arrived(run_id, d),
                                       self._failed, key=f"detail-{run_id}")
        self._load_log()

    def _load_log(self) -> None:
        run_id, engine, after = self.run_id, self.console.engine, self.log.last_id
        if run_id is None:
            return
        self.console.background.submit(lambda: api.log_after(engine, run_id, after),
                                       lambda lines: self._log_arrived(run_id, lines), key=f"log-{run_id}")

    def _load_errors(self, offset: int) -> None:
        run_id, engine = self.run_id, self.console.engine
        if run_id is None:
            return
        self.console.background.submit(lambda: api.errors_page(engine, run_id, offset, ERRORS_PAGE),
                                       lambda rows: self._errors_arrived(run_id, offset, rows), key=f"errors-{run_id}")

    def _failed(self, error: Exception) -> None:
        self.console.message.emit(f"Could not load the run: {error}")

    def _detail_arrived(self, run_id: int, detail: api.RunDetail) -> None:
        if run_id != self.run_id:
            return
        first = self.detail is None
        errors_grew = self.detail is not None and detail.errors_total != self.detail.errors_total
        self.detail = detail
        run = detail.run
        self.title.setText(f"#{run.id} · {detail.title}" + (f" · {run.module.title()}" if run.module else ""))
        self.chip.setText(run.status.label)
        self._colour_chip()
        bits = [detail.workspace or "All workspaces", f"run date {run.run_date.isoformat()}"]
        if run.file_name:
            bits.insert(0, run.file_name)
        if run.initiated_by:
            bits.append(f"by {run.initiated_by}")
        if run.replay_of:
            bits.append(f"replay of #{run.replay_of}")
        if run.dry_run:
            bits.append("dry run: nothing was changed")
        self.subtitle.setText(" · ".join(bits))
        self.summary.show_run(run, self.snapshot if self.snapshot and self.snapshot.run_id == run_id else None)
        self.summary.show_files(run, detail.artifacts)
        config = api.configuration(detail)
        if config != self._config:  # a live run changes its counters, rarely its configuration
            self._config = config
            self.config.show_config(config)
        self._update_buttons()
        if first or errors_grew:
            self._load_errors(self.errors.offset if not first else 0)
        self.loaded.emit(run_id)

    def _colour_chip(self) -> None:
        if self.detail is not None:
            fill = status_color(self.detail.run.status.value)
            text = chip_text_color(fill).name()
            chip_style = f"background:{fill.name()}; color:{text}; border-radius:9px; padding:2px 10px; font-weight:600;"
            if self.chip.styleSheet() != chip_style:  # a new style sheet re-polishes the widget: only on a change
                self.chip.setStyleSheet(chip_style)

    def retheme(self) -> None:
        self._colour_chip()

    def _log_arrived(self, run_id: int, lines: list[dict[str, Any]]) -> None:
        if run_id == self.run_id:
            self.log.append_entries(lines)
            self.log_updated.emit(self.log.blockCount())

    def _errors_arrived(self, run_id: int, offset: int, rows: list[dict[str, Any]]) -> None:
        if run_id != self.run_id or self.detail is None:
            return
        self.errors.show_page(offset, self.detail.errors_total, rows)
        self.errors_loaded.emit(offset)

    def _update_buttons(self) -> None:
        detail = self.detail
        if detail is None:
            for button in self.buttons.values():
                button.setEnabled(False)
            return
        run = detail.run
        self.buttons["cancel"].setEnabled(can_cancel(run))
        self.buttons["replay"].setEnabled(can_replay(run))
        self.buttons["download"].setEnabled(detail.artifact(*api.DOWNLOAD_KINDS) is not None)
        self.buttons["failed_records"].setEnabled(detail.artifact("failed_records") is not None)
        self.buttons["export_errors"].setEnabled(api.can_export_errors(detail))
        self.buttons["export_errors"].setVisible(api.errors_report_available())

    # ------------------------------------------------------------ live
    def _runs_changed(self, ids: list[int]) -> None:
        if self.run_id is not None and self.run_id in ids and not self._reload_timer.isActive():
            self._reload_timer.start()

    def _snapshots(self, snaps: dict[int, ProgressSnapshot]) -> None:
        if self.run_id is None or self.detail is None:
            return
        snap = snaps.get(self.run_id)
        if snap is None:
            return
        self.snapshot = snap
        self.summary.show_run(self.detail.run, snap)

    # ------------------------------------------------------------ actions
    def cancel(self) -> None:
        if self.detail is None or not can_cancel(self.detail.run):
            return
        run_id = self.detail.run.id
        if not confirm_cancel(self, [run_id]):
            return
        engine = self.console.engine
        self.buttons["cancel"].setEnabled(False)
        self.console.workers.cancel_local([run_id])  # a local run stops at once, whatever the database is doing
        self.console.background.submit(lambda: cancel_runs(engine, [run_id]), self._cancelled)

    def _cancelled(self, statuses: dict[int, Any]) -> None:
        self.action_done.emit("cancel requested for " + ", ".join(f"#{i}" for i in statuses))
        self.console.runs_changed.emit(list(statuses))

    def replay(self) -> None:
        if self.detail is None or not can_replay(self.detail.run):
            return
        run = self.detail.run
        dialog = ReplayDialog(self, [run.id], run.run_date)
        if dialog.exec() != ReplayDialog.DialogCode.Accepted:
            return
        day, engine = dialog.run_date(), self.console.engine
        self.console.background.submit(lambda: replay_runs(engine, [run.id], day), self._replayed,
                                       lambda exc: self.console.message.emit(f"Replay failed: {exc}"))

    def _replayed(self, new_ids: list[int]) -> None:
        self.action_done.emit("replayed as " + ", ".join(f"#{i}" for i in new_ids))
        self.console.runs_changed.emit(new_ids)
        if new_ids:
            self.console.open_run(new_ids[0])

    def download(self) -> None:
        self._save(self.detail.artifact(*api.DOWNLOAD_KINDS) if self.detail else None, "Download")

    def download_failed(self) -> None:
        self._save(self.detail.artifact("failed_records") if self.detail else None, "Download Failed Records")

    def _save(self, artifact: dict[str, Any] | None, title: str) -> None:
        if artifact is None:
            return
        path = ask_save_path(self, title, artifact["name"])
        if path is None:
            return
        engine, artifact_id = self.console.engine, int(artifact["id"])
        self.console.background.submit(lambda: api.save_artifact(engine, artifact_id, path),
                                       lambda size: self._saved(path, size),
                                       lambda exc: self.console.message.emit(f"{title} failed: {exc}"))

    def _saved(self, path: str, size: int) -> None:
        self.action_done.emit(f"saved {Path(path).name} ({size:,} bytes)")
        self.console.message.emit(f"Saved {path} ({size:,} bytes)")

    def export_errors(self) -> None:
        if self.detail is None or not api.can_export_errors(self.detail):
            return
        run_id = self.detail.run.id
        path = ask_save_path(self, "Export Errors to Excel", f"run-{run_id}-errors.xlsx")
        if path is None:
            return
        engine = self.console.engine
        self.console.background.submit(lambda: api.export_errors(engine, run_id, path),
                                       lambda size: self._saved(path, size),
                                       lambda exc: self.console.message.emit(f"Export failed: {exc}"))
