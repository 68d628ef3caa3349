"""One editor widget per kind of option value: checkbox, spin boxes, choice, date, text, file.

Each editor emits `changed` on every edit and returns its value from `value()`, or raises
`InputError` while it holds text that is not a value at all (the form shows that message
next to the field and keeps the form invalid).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from ui.forms.spec import INT_MAX, INT_MIN, FieldSpec, choice_label

UNSET_TEXT = "not set"


class InputError(ValueError):
    """The editor holds text that is not a value of its kind."""


class Pending(InputError):
    """The value is not known yet (a search is on its way): not valid, but not wrong either."""


class FieldEditor(QWidget):
    changed = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(6)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        self.set_value(self.spec.default)

    def _add(self, widget: QWidget, stretch: int = 0) -> None:
        self.layout_.addWidget(widget, stretch)
        self.setFocusProxy(self.layout_.itemAt(0).widget())


class BoolEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox(spec.title)
        self.box.toggled.connect(self.changed)
        self._add(self.box)
        self.layout_.addStretch(1)

    def value(self) -> bool:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))


class _SpinEditor(FieldEditor):
    """Integer or decimal with the schema's limits; an optional one has a 'not set' state
    one step below its minimum (Qt's special-value idiom)."""

    spin: QSpinBox | QDoubleSpinBox

    def _setup(self, spin: QSpinBox | QDoubleSpinBox, low: float, high: float) -> None:
        self.spin = spin
        spin.setKeyboardTracking(True)
        spin.setAccelerated(True)
        spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        spin.setMinimumWidth(140)
        if self.spec.nullable:
            spin.setRange(low - spin.singleStep(), high)  # type: ignore[arg-type]
            spin.setSpecialValueText(UNSET_TEXT)
        else:
            spin.setRange(low, high)  # type: ignore[arg-type]
        spin.lineEdit().textEdited.connect(self.changed)
        spin.valueChanged.connect(self.changed)
        self._add(spin)
        self.layout_.addStretch(1)
        self.reset()

    def _limits_text(self) -> str:
        low, high = self.spec.minimum, self.spec.maximum
        if low is not None and high is not None:
            return f"between {low:g} and {high:g}"
        if low is not None:
            return f"at least {low:g}"
        return f"at most {high:g}" if high is not None else "a number"

    def value(self) -> Any:
        if not self.spin.hasAcceptableInput():
            text = self.spin.cleanText() or self.spin.text()
            raise InputError(f"'{text}' is not accepted here: enter a value {self._limits_text()}")
        if self.spec.nullable and self.spin.value() == self.spin.minimum():
            return None
        return self.spin.value()

    def set_value(self, value: Any) -> None:
        self.spin.setValue(self.spin.minimum() if value is None else value)


class IntEditor(_SpinEditor):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        low = int(spec.minimum) if spec.minimum is not None else INT_MIN
        high = int(spec.maximum) if spec.maximum is not None else INT_MAX
        self._setup(QSpinBox(), max(low, INT_MIN), min(high, INT_MAX))

    def value(self) -> int | None:
        found = super().value()
        return None if found is None else int(found)


class NumberEditor(_SpinEditor):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        spin = QDoubleSpinBox()
        spin.setDecimals(3)
        spin.setSingleStep(0.1)
        low = spec.minimum if spec.minimum is not None else -1e12
        high = spec.maximum if spec.maximum is not None else 1e12
        self._setup(spin, low, high)


class ChoiceEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        labels = spec.schema.get("x-labels")
        if spec.nullable:
            self.combo.addItem(choice_label(None), None)
        for choice in spec.choices:
            self.combo.addItem(choice_label(choice, labels), choice)
        self.combo.setMinimumWidth(180)
        self.combo.currentIndexChanged.connect(self.changed)
        self._add(self.combo)
        self.layout_.addStretch(1)
        self.reset()

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value)
        self.combo.setCurrentIndex(max(index, 0))


class DateEditor(FieldEditor):
    """A calendar date (or date-time); an optional one has a checkbox that sets it."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.with_time = spec.kind == "datetime"
        self.edit: QDateEdit | QDateTimeEdit = QDateTimeEdit() if self.with_time else QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm" if self.with_time else "yyyy-MM-dd")
        self.edit.setMinimumWidth(150)
        self.enabled_box: QCheckBox | None = None
        if spec.nullable:
            self.enabled_box = QCheckBox("Set")
            self.enabled_box.toggled.connect(self.edit.setEnabled)
            self.enabled_box.toggled.connect(self.changed)
            self._add(self.enabled_box)
        self.edit.dateTimeChanged.connect(self.changed)
        self._add(self.edit)
        self.layout_.addStretch(1)
        self.reset()

    def value(self) -> str | None:
        if self.enabled_box is not None and not self.enabled_box.isChecked():
            return None
        if self.with_time:
            return self.edit.dateTime().toPython().isoformat(timespec="minutes")  # type: ignore[union-attr]
        return self.edit.date().toPython().isoformat()  # type: ignore[union-attr]

    def set_value(self, value: Any) -> None:
        if self.enabled_box is not None:
            self.enabled_box.setChecked(value is not None)
            self.edit.setEnabled(value is not None)
        if value is None:
            self.edit.setDateTime(QDateTime(QDate.currentDate(), QTime(0, 0)))
            return
        parsed = value if isinstance(value, dt.date) else dt.datetime.fromisoformat(str(value))
        if isinstance(parsed, dt.datetime):
            self.edit.setDateTime(QDateTime(parsed))
        else:
            self.edit.setDate(QDate(parsed))


class TextEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit()
        if spec.max_length:
            self.line.setMaxLength(int(spec.max_length))
        self.line.setPlaceholderText(spec.placeholder or ("optional" if spec.nullable else ""))
        self.line.setClearButtonEnabled(True)
        self.line.textChanged.connect(self.changed)
        self._add(self.line, 1)
        self.reset()

    def value(self) -> str | None:
        text = self.line.text()
        return None if self.spec.nullable and not text.strip() else text

    def set_value(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))


class FileEditor(TextEditor):
    """A path with a Browse… button; a path that names no file is refused at once."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line.setPlaceholderText(spec.placeholder or "Choose a file…")
        self.browse = QToolButton()
        self.browse.setText("Browse…")
        self.browse.clicked.connect(self.choose)
        self._add(self.browse)

    def choose(self) -> None:
        name_filter = str(self.spec.schema.get("x-file-filter", "All files (*)"))
        path, _ = QFileDialog.getOpenFileName(self, self.spec.title, self.line.text(), name_filter)
        if path:
            self.line.setText(path)

    def value(self) -> str | None:
        text = super().value()
        if text and not Path(text).expanduser().is_file():
            raise InputError(f"No file at '{text}'")
        return text


class JsonEditor(TextEditor):
    """Anything the other editors cannot show is typed as JSON and checked by the model."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line.setPlaceholderText(spec.placeholder or "JSON value")

    def value(self) -> Any:
        text = self.line.text().strip()
        if not text:
            return None if self.spec.nullable else self.spec.default
        try:
            return json.loads(text)
        except ValueError as exc:
            raise InputError(f"Not valid JSON: {exc.args[0].split(':')[0]}") from None

    def set_value(self, value: Any) -> None:
        self.line.setText("" if value is None else json.dumps(value))
