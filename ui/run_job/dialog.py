"""Run Job: pick job types, a workspace and a run date, fill each job's generated form, Run.

Run stays disabled until every selected job's options pass its pydantic model; the
message sits next to the field it concerns. Run queues through `app.api.launch`.
Every database call (the workspaces, the pickers' searches, the launch) runs on the
console's query thread, so a slow or unreachable database never freezes the dialog.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from app.api import pickers
from app.api.connection import describe_error
from app.api.launch import LaunchRequest, launch
from app.engine.jobtype import JobType
from app.engine.registry import job_types
from app.engine.runs import OptionsError
from ui.background import Background
from ui.forms import EnginePickerSource, PickerSource, SchemaForm
from ui.forms.elided import ElidingComboBox
from ui.forms.spec import model_defaults
from ui.run_job.confirm import cancelled_text, confirm, needs_confirmation
from ui.run_job.job_picker import JobPicker
from ui.screen_fit import fit_to_screen
from ui.theme import set_tone
from ui.thread_task import while_alive

ALL_WORKSPACES = "All workspaces"


class JobCard(QFrame):
    """One selected job: its title, description and generated options form."""

    def __init__(self, job: JobType, source: PickerSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.setObjectName("Card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        title = QLabel(job.title)
        title.setObjectName("PaneTitle")
        description = QLabel(job.description)
        description.setObjectName("Muted")
        description.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(description)
        self.form = SchemaForm(job.schema(), validate=job.parse_options, pickers=source,
                               defaults=model_defaults(job.options))
        self.form.setObjectName(f"form-{job.key}")
        if self.form.specs:
            layout.addSpacing(6)
            layout.addWidget(self.form)
        else:
            layout.addWidget(QLabel("This job takes no parameters."))
        if not job.per_workspace:
            note = QLabel("Runs once for the whole system, whatever workspace is chosen.")
            note.setObjectName("Muted")
            layout.addWidget(note)


class RunJobDialog(QDialog):
    queued = Signal(list)  # the new run ids

    def __init__(self, engine: Engine, background: Background, parent: QWidget | None = None, *,
                 preselect: list[str] | None = None, source: PickerSource | None = None) -> None:
        super().__init__(parent)
        self.engine, self.background = engine, background
        self.source = source or EnginePickerSource(engine, background)
        self.jobs = job_types()
        self.cards: dict[str, JobCard] = {}
        self._workspace_touched = False
        self._workspaces_loaded = False
        self._workspaces_error = ""
        self._queuing = False
        self.setWindowTitle("Run Job")
        self.setObjectName("RunJobDialog")
        fit_to_screen(self, QSize(1040, 700))  # before the layout: the splitter shares out what it got
        self._build()
        for key in preselect or []:
            self.picker.set_checked(key)
        self._update()
        self.load_workspaces()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.workspace = ElidingComboBox()  # its names arrive after the dialog is laid out: a long one ends in "…"
        self.workspace.setObjectName("workspace")
        self.workspace.addItem(ALL_WORKSPACES, None)
        self.workspace.setMinimumContentsLength(22)
        self.workspace.activated.connect(self._workspace_chosen)
        self.run_date = QDateEdit(QDate.currentDate())
        self.run_date.setObjectName("run_date")
        self.run_date.setCalendarPopup(True)
        self.run_date.setDisplayFormat("yyyy-MM-dd")
        self.run_date.setMinimumWidth(130)
        self.run_date.dateChanged.connect(self._update)
        today = QPushButton("Today")
        today.clicked.connect(lambda: self.run_date.setDate(QDate.currentDate()))
        top = QHBoxLayout()
        top.addWidget(QLabel("Workspace:"))
        top.addWidget(self.workspace)
        top.addSpacing(18)
        top.addWidget(QLabel("Run date:"))
        top.addWidget(self.run_date)
        top.addWidget(today)
        hint = QLabel("The day each run is for — pick another to catch up a missed day or try a future one.")
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        top.addStretch(1)

        self.picker = JobPicker(list(self.jobs.values()))
        self.picker.selection_changed.connect(self._selection_changed)
        self.picker.setMinimumWidth(250)
        self.forms_box = QWidget()
        self.forms_layout = QVBoxLayout(self.forms_box)
        self.forms_layout.setContentsMargins(4, 0, 8, 0)
        self.forms_layout.setSpacing(12)
        self.empty = QLabel("Select one or more jobs on the left to see their parameters.")
        self.empty.setObjectName("Muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.forms_layout.addWidget(self.empty, 1)
        self.forms_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.forms_box)
        splitter = QSplitter()
        splitter.addWidget(self.picker)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 1)
        # the job list takes about a quarter of what the dialog got (250-290 px), the forms the rest
        splitter.setSizes([max(250, min(290, self.width() // 4)), self.width()])
        splitter.setChildrenCollapsible(False)

        self.status = QLabel()
        self.status.setObjectName("RunStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.run_button = self.buttons.addButton("Run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setObjectName("run")
        self.run_button.setProperty("primary", True)
        self.run_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.run)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(hint)  # a row of its own: beside the date it wrapped to five lines on a small screen
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

    # ------------------------------------------------------------------ state
    def load_workspaces(self) -> None:
        engine = self.engine
        self.background.submit(lambda: pickers.search(engine, "workspace", limit=500),
                               while_alive(self, self._workspaces_arrived), while_alive(self, self._workspaces_failed))

    def _workspaces_arrived(self, choices: list[pickers.Choice]) -> None:
        for choice in choices:
            self.workspace.addItem(choice.label, choice.id)
        self._workspaces_loaded = True
        self._default_workspace()
        self._update()

    def _workspaces_failed(self, exc: Exception) -> None:
        self._workspaces_error = f"Could not read the workspaces: {describe_error(exc)}"
        self._update()

    def workspace_id(self) -> int | None:
        value = self.workspace.currentData()
        return None if value is None else int(value)

    def _workspace_chosen(self, _index: int) -> None:
        self._workspace_touched = True
        for card in self.cards.values():
            card.form.set_scope(self.workspace_id())
        self._update()

    def _default_workspace(self) -> None:
        """Per-workspace jobs start on the first workspace; global ones on all of them."""
        if self._workspace_touched or not self._workspaces_loaded:
            return
        wants_one = any(self.jobs[k].per_workspace for k in self.cards)
        self.workspace.setCurrentIndex(1 if wants_one and self.workspace.count() > 1 else 0)
        for card in self.cards.values():
            card.form.set_scope(self.workspace_id())

    def _selection_changed(self, keys: list[str]) -> None:
        for key in list(self.cards):
            if key not in keys:
                card = self.cards.pop(key)
                card.setParent(None)
                card.deleteLater()
        for key in keys:
            if key not in self.cards:
                card = JobCard(self.jobs[key], self.source)
                card.form.set_scope(self.workspace_id())
                card.form.validityChanged.connect(self._update)
                card.form.valuesChanged.connect(self._update)
                self.cards[key] = card
                self.forms_layout.insertWidget(self.forms_layout.count() - 1, card)
        self.empty.setVisible(not self.cards)
        self._default_workspace()
        self._update()

    def problems(self) -> list[str]:
        return [f"{card.job.title} — {card.form.error_summary()}" for card in self.cards.values()
                if not card.form.is_valid()]

    def _update(self) -> None:
        problems = self.problems()
        waiting = not self._workspaces_loaded or self._queuing
        self.run_button.setEnabled(bool(self.cards) and not problems and not waiting and not self._workspaces_error)
        if self._queuing:
            return
        if self._workspaces_error:
            problems.insert(0, self._workspaces_error)
            self.status.setText(self._workspaces_error)
        elif not self._workspaces_loaded:
            self.status.setText("Loading workspaces…")
        elif not self.cards:
            self.status.setText("Choose at least one job.")
        elif problems:
            self.status.setText("Fix before running: " + "; ".join(problems))
        else:
            self.status.setText(self.plan())
        set_tone(self.status, "error" if problems else "")

    def plan(self) -> str:
        """What Run will queue, where: a job that is not per workspace runs for the whole system
        whatever workspace is chosen ("2 runs for EMEA Sales" was said of one such job too)."""
        local = sum(1 for card in self.cards.values() if card.job.per_workspace)
        whole = len(self.cards) - local
        parts = []
        if local:
            where = self.workspace.currentText() if self.workspace_id() is not None else "all workspaces"
            parts.append(f"{local} run{'s' if local > 1 else ''} for {where}")
        if whole:
            noun = "" if local else f" run{'s' if whole > 1 else ''}"
            parts.append(f"{whole}{noun} for the whole system")
        return f"Queues {' and '.join(parts)} on {self.run_date.date().toString('yyyy-MM-dd')}."

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        if not self.run_button.isEnabled():
            return
        requests = [LaunchRequest(key, card.form.values()) for key, card in self.cards.items()]
        run_date: dt.date = self.run_date.date().toPython()  # type: ignore[assignment]
        where = self.workspace.currentText() if self.workspace_id() is not None else "all workspaces"
        for request in requests:
            if needs_confirmation(request.job_key, request.params) and not confirm(
                    self, request.job_key, request.params, where, run_date.isoformat()):
                self.status.setText(cancelled_text(request.job_key))
                set_tone(self.status, "")
                return
        engine, workspace_id = self.engine, self.workspace_id()
        self._queuing = True
        self.run_button.setEnabled(False)
        self.status.setText("Queuing…")
        set_tone(self.status, "")
        self.background.submit(lambda: launch(engine, requests, workspace_id=workspace_id, run_date=run_date),
                               while_alive(self, self._launched), while_alive(self, self._launch_failed))

    def _launched(self, ids: list[int]) -> None:
        self._queuing = False
        self.queued.emit(ids)
        self.accept()

    def _launch_failed(self, exc: Exception) -> None:
        self._queuing = False
        self._update()
        message = str(exc) if isinstance(exc, (OptionsError, ValueError)) else f"Could not queue: {describe_error(exc)}"
        self.status.setText(message)
        set_tone(self.status, "error")
