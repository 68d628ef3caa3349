"""Step 2: which field each column fills — guessed from the headers, or from a saved
template, edited per column, savable as a template — and what to do with duplicates."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from app.api import imports
from app.engine.runs import current_user
from app.records.fields import match_key
from app.transfer.api import Preview
from app.transfer.mapping import (
    MappingError,
    check_one_column_per_field,
    check_required,
    guess_mapping,
    list_templates,
    save_template,
)
from ui.card import muted, say

GUESSED = "Guessed from the headers"
IGNORE = "— ignore —"


class MappingStep(QWidget):
    changed = Signal()

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.module = "leads"
        self.info: Preview | None = None
        self.template = QComboBox()
        self.template.setObjectName("import-template")
        self.template.setMinimumContentsLength(24)
        self.template.activated.connect(lambda _i: self.apply_template())
        self.save_button = QPushButton("Save as Template…")
        self.save_button.setObjectName("import-save-template")
        self.save_button.clicked.connect(self.ask_template_name)
        top = QHBoxLayout()
        top.addWidget(QLabel("Start from:"))
        top.addWidget(self.template)
        top.addStretch(1)
        top.addWidget(self.save_button)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("import-mapping")
        self.table.setHorizontalHeaderLabels(["File column", "First value", "Field"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(2, 260)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.combos: dict[str, QComboBox] = {}
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("import-mapping-problem")
        self.skip = QRadioButton("Skip duplicates — add new records, leave existing ones as they are")
        self.skip.setObjectName("import-skip")
        self.update_ = QRadioButton("Update duplicates — add new records, update the existing ones")
        self.update_.setObjectName("import-update")
        self.skip.setChecked(True)
        self.duplicates = QButtonGroup(self)
        self.duplicates.addButton(self.skip)
        self.duplicates.addButton(self.update_)
        self.key_note = muted()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addWidget(QLabel("Duplicates:"))
        layout.addWidget(self.skip)
        layout.addWidget(self.update_)
        layout.addWidget(self.key_note)
        say(self.problem, "")

    # ------------------------------------------------------------------ filling
    def show_file(self, info: Preview, module: str) -> None:
        """(Re)build the editor for a file and module, starting from the header guess."""
        if self.info is info and self.module == module:
            return
        self.info, self.module = info, module
        self.key_note.setText(f"A record is a duplicate when its {match_key(module).replace('_', ' ')} matches one in "
                              "the workspace or earlier in the file, ignoring the case of A-Z (Anna@X.com = anna@x.com).")
        self.template.clear()
        self.template.addItem(GUESSED, None)
        for template in list_templates(self.engine, module):
            self.template.addItem(template.name, template.name)
        choices = imports.field_choices(module)
        first_row = info.rows[0] if info.rows else []
        self.table.setRowCount(len(info.headers))
        self.combos.clear()
        for row, header in enumerate(info.headers):
            self.table.setItem(row, 0, QTableWidgetItem(header))
            self.table.setItem(row, 1, QTableWidgetItem(first_row[row] if row < len(first_row) else ""))
            combo = QComboBox()
            combo.setObjectName(f"map-{header}")
            combo.addItem(IGNORE, "")
            for key, label in choices:
                combo.addItem(label, key)
            combo.currentIndexChanged.connect(lambda _i: self._check())
            self.table.setCellWidget(row, 2, combo)
            self.combos[header] = combo
        self.set_mapping(guess_mapping(module, info.headers))

    def set_mapping(self, mapping: dict[str, str]) -> None:
        for header, combo in self.combos.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(header, ""))))
            combo.blockSignals(False)
        self._check()

    def apply_template(self) -> None:
        name = self.template.currentData()
        if self.info is None:
            return
        if name is None:
            self.set_mapping(guess_mapping(self.module, self.info.headers))
            return
        saved = next(t for t in list_templates(self.engine, self.module) if t.name == name).mapping
        guess = guess_mapping(self.module, self.info.headers)
        self.set_mapping({h: saved.get(h, guess[h]) for h in self.info.headers})

    # ------------------------------------------------------------------ state
    def mapping(self) -> dict[str, str]:
        return {header: str(combo.currentData() or "") for header, combo in self.combos.items()}

    def duplicate_mode(self) -> str:
        return "update" if self.update_.isChecked() else "skip"

    def template_name(self) -> str | None:
        value = self.template.currentData()
        return None if value is None else str(value)

    def problems(self) -> str:
        """What blocks the import. A field chosen for a second column (typing "City" passes
        "Company") is a conflict to report, never a reason to unmap the first column silently."""
        try:
            check_required(self.module, self.mapping())
            check_one_column_per_field(self.module, self.mapping())
        except MappingError as exc:
            return str(exc).split("; add the column")[0]
        return ""

    def _check(self) -> None:
        problem = self.problems()
        mapped = sum(1 for v in self.mapping().values() if v)
        columns = len(self.combos)
        plan = (f"All {columns} columns mapped." if mapped == columns else  # "the others" when there are none misled
                f"{mapped} of {columns} columns mapped; the others are ignored.")
        say(self.problem, f"✖ {problem[:1].upper()}{problem[1:]}." if problem else plan, False if problem else None)
        self.changed.emit()

    def ready(self) -> bool:
        return self.info is not None and not self.problems()

    # ------------------------------------------------------------------ templates
    def ask_template_name(self) -> None:
        name, ok = QInputDialog.getText(self, "Save mapping template", "Template name:",
                                        text=self.template_name() or "")
        if ok and name.strip():
            self.save_as_template(name.strip())

    def save_as_template(self, name: str) -> None:
        try:
            check_one_column_per_field(self.module, self.mapping())
            save_template(self.engine, name, self.module, self.mapping(), created_by=current_user())
        except MappingError as exc:
            say(self.problem, f"✖ {exc}", False)
            return
        if self.template.findData(name) < 0:
            self.template.addItem(name, name)
        self.template.setCurrentIndex(self.template.findData(name))
        say(self.problem, f"✔ Saved the mapping as template “{name}”.", True)
