"""A form generated from a JSON Schema and validated by the pydantic model behind it.

The schema picks an editor per property; every edit re-validates the whole value with the
model, and each message appears under the field it concerns (messages about the whole
model under the form). `validityChanged` lets a dialog enable its Run button.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from ui.forms.editors import (
    BoolEditor,
    ChoiceEditor,
    DateEditor,
    FieldEditor,
    FileEditor,
    InputError,
    IntEditor,
    JsonEditor,
    NumberEditor,
    Pending,
    TextEditor,
)
from ui.forms.list_editors import MappingEditor, MultiChoiceEditor, TextListEditor
from ui.forms.picker import PickerEditor, PickerSource
from ui.forms.spec import FieldSpec, field_specs, model_defaults
from ui.theme import set_tone

EDITORS: dict[str, type[FieldEditor]] = {
    "bool": BoolEditor, "int": IntEditor, "number": NumberEditor, "choice": ChoiceEditor,
    "multichoice": MultiChoiceEditor, "date": DateEditor, "datetime": DateEditor, "text": TextEditor,
    "textlist": TextListEditor, "mapping": MappingEditor, "file": FileEditor, "json": JsonEditor,
}
Validator = Callable[[dict[str, Any]], Any]


def make_editor(spec: FieldSpec, pickers: PickerSource | None) -> FieldEditor:
    if spec.kind == "picker":
        return PickerEditor(spec, pickers)
    return EDITORS[spec.kind](spec)


def error_text(error: dict[str, Any]) -> str:
    """Pydantic's message, in the words a form uses for an empty required field."""
    kind, given = error.get("type"), error.get("input")
    if kind == "missing" or (kind in ("string_too_short", "too_short") and given in ("", [], {}, None)):
        return "Required" if kind != "too_short" else "Add at least one"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def small_label(text: str, tone: str = "muted") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
    label.setFont(font)
    set_tone(label, tone)
    return label


class SchemaForm(QWidget):
    validityChanged = Signal(bool)
    valuesChanged = Signal()

    def __init__(self, schema: dict[str, Any], *, validate: Validator | None = None,
                 pickers: PickerSource | None = None, defaults: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.validate = validate
        self.specs = field_specs(schema)
        self.editors: dict[str, FieldEditor] = {}
        self.error_labels: dict[str, QLabel] = {}
        self.errors: dict[str, str] = {}
        self.pending: set[str] = set()  # fields whose value is still being looked up
        self.parsed: Any = None
        self._valid = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.layout_ = QFormLayout()
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setVerticalSpacing(10)
        outer.addLayout(self.layout_)
        for spec in self.specs:
            self._add_row(spec, pickers)
        self.form_error = small_label("", "error")
        self.form_error.hide()
        outer.addWidget(self.form_error)
        for name, value in (defaults or {}).items():
            if name in self.editors:
                self.editors[name].set_value(value)
        self.revalidate()

    @classmethod
    def for_model(cls, model: type[BaseModel], *, pickers: PickerSource | None = None,
                  parent: QWidget | None = None) -> SchemaForm:
        """A form for a pydantic model: its schema, its defaults, its validation."""
        return cls(model.model_json_schema(), validate=model.model_validate, pickers=pickers,
                   defaults=model_defaults(model), parent=parent)

    def _add_row(self, spec: FieldSpec, pickers: PickerSource | None) -> None:
        editor = make_editor(spec, pickers)
        editor.setObjectName(spec.name)
        editor.changed.connect(self.revalidate)
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(editor)
        if spec.description:
            column.addWidget(small_label(spec.description))
        error = small_label("", "error")
        error.setObjectName(f"{spec.name}_error")
        error.hide()
        column.addWidget(error)
        cell.setToolTip(spec.description)
        label = QLabel("" if spec.kind == "bool" else f"{spec.title}:")
        label.setBuddy(editor)
        label.setToolTip(spec.description)
        self.layout_.addRow(label, cell)
        self.editors[spec.name] = editor
        self.error_labels[spec.name] = error

    # ------------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        """What the editors hold now (fields with unreadable input are left out)."""
        found: dict[str, Any] = {}
        for name, editor in self.editors.items():
            try:
                found[name] = editor.value()
            except InputError:
                continue
        return found

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.editors:
                self.editors[name].set_value(value)
        self.revalidate()

    def set_scope(self, workspace_id: int | None) -> None:
        """Narrow record pickers to one workspace (None: all)."""
        for editor in self.editors.values():
            if isinstance(editor, PickerEditor):
                editor.set_scope(workspace_id)

    def is_valid(self) -> bool:
        return self._valid

    # -------------------------------------------------------------- validation
    def revalidate(self) -> bool:
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        self.pending = set()
        for name, editor in self.editors.items():
            try:
                values[name] = editor.value()
            except InputError as exc:
                errors[name] = str(exc)
                if isinstance(exc, Pending):
                    self.pending.add(name)
        self.parsed = None
        if self.validate is not None:
            try:
                self.parsed = self.validate(values)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = err.get("loc") or ("",)
                    key = str(loc[0]) if str(loc[0]) in self.editors else ""
                    errors.setdefault(key, error_text(err))
            except ValueError as exc:
                errors.setdefault("", str(exc))
        self._show(errors)
        valid = not errors
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
        self.valuesChanged.emit()
        return valid

    def _show(self, errors: dict[str, str]) -> None:
        self.errors = errors
        for name, label in self.error_labels.items():
            pending = name in self.pending
            label.setText(errors[name] if pending else f"⚠ {errors[name]}" if name in errors else "")
            set_tone(label, "muted" if pending else "error")
            label.setVisible(name in errors)
        self.form_error.setText(f"⚠ {errors['']}" if "" in errors else "")
        self.form_error.setVisible("" in errors)

    def error_summary(self) -> str:
        titles = {s.name: s.title for s in self.specs}
        return "; ".join(f"{titles.get(k, 'Options')}: {v}" for k, v in self.errors.items())
