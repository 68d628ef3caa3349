"""The questions the run actions ask: confirm a cancel, pick a replay date, where to save."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.clock import today


def confirm_cancel(parent: QWidget, run_ids: list[int]) -> bool:
    box = QMessageBox(parent)
    box.setObjectName("ConfirmCancel")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Cancel runs" if len(run_ids) > 1 else "Cancel run")
    names = ", ".join(f"#{i}" for i in run_ids[:8]) + (" …" if len(run_ids) > 8 else "")
    box.setText(f"Cancel {names}?")
    box.setInformativeText("Records already processed stay in the system; only the remaining ones are skipped.")
    yes = box.addButton("Cancel Run" + ("s" if len(run_ids) > 1 else ""), QMessageBox.ButtonRole.DestructiveRole)
    yes.setObjectName("confirm-cancel-yes")
    keep = box.addButton("Don't Cancel", QMessageBox.ButtonRole.RejectRole)  # a queued run is not "running"
    keep.setObjectName("confirm-cancel-no")
    box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is yes


class ReplayDialog(QDialog):
    """Replay with the same parameters, on the original run date or another one."""

    def __init__(self, parent: QWidget, run_ids: list[int], run_date: dt.date | None, *, what: str = "") -> None:
        """`what` names the runs when no ids do (every run of a filter); `run_date` None: today."""
        super().__init__(parent)
        self.setObjectName("ReplayDialog")
        self.setWindowTitle("Replay")
        what = what or (f"run #{run_ids[0]}" if len(run_ids) == 1 else f"{len(run_ids):,} runs")
        run_date = run_date or today()
        label = QLabel(f"Replay {what} with the same type, workspace and parameters.")
        label.setWordWrap(True)
        self.other_date = QCheckBox("On another run date")
        self.other_date.setObjectName("replay-other-date")
        self.date = QDateEdit(QDate(run_date.year, run_date.month, run_date.day))
        self.date.setObjectName("replay-date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setEnabled(False)
        self.other_date.toggled.connect(self.date.setEnabled)
        buttons = QDialogButtonBox()
        self.replay_button = buttons.addButton("Replay", QDialogButtonBox.ButtonRole.AcceptRole)
        self.replay_button.setObjectName("replay-ok")
        self.replay_button.setProperty("primary", True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.other_date)
        layout.addWidget(self.date)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)

    def run_date(self) -> dt.date | None:
        """None keeps each run's own date."""
        return self.date.date().toPython() if self.other_date.isChecked() else None  # type: ignore[return-value]


def ask_save_path(parent: QWidget, title: str, suggested: str) -> str | None:
    filters = {".csv": "CSV files (*.csv)", ".xlsx": "Excel workbooks (*.xlsx)"}
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / suggested),
                                            filters.get(Path(suggested).suffix.lower(), "All files (*)"))
    return chosen or None
