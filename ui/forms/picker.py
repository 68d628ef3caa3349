"""A searchable record picker: an editable combo box whose completer filters employees,
org units or workspaces by name, e-mail or id as the admin types.

The records come from a `PickerSource` (the database through `app.api.pickers`); each typed
text is asked once and remembered, and the query waits for a short pause in typing.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QStringListModel, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget
from sqlalchemy import Engine

from app.api import pickers
from app.api.pickers import Choice
from ui.forms.editors import FieldEditor, InputError
from ui.forms.spec import FieldSpec

SEARCH_DELAY_MS = 150


class PickerSource(Protocol):
    def search(self, kind: str, text: str, workspace_id: int | None) -> list[Choice]: ...

    def lookup(self, kind: str, ids: list[int]) -> dict[int, Choice]: ...


class EnginePickerSource:
    """Pickers backed by the shared database."""

    def __init__(self, engine: Engine, limit: int = 50) -> None:
        self.engine, self.limit = engine, limit

    def search(self, kind: str, text: str, workspace_id: int | None) -> list[Choice]:
        return pickers.search(self.engine, kind, text, workspace_id=workspace_id, limit=self.limit)

    def lookup(self, kind: str, ids: list[int]) -> dict[int, Choice]:
        return pickers.lookup(self.engine, kind, ids)


class PickerEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, source: PickerSource | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.kind = spec.picker or "employee"
        self.noun = pickers.KIND_LABELS.get(self.kind, self.kind)
        self.source = source
        self.scope: int | None = None
        self._cache: dict[str, list[Choice]] = {}
        self._known: dict[str, Choice] = {}
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMinimumContentsLength(34)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.lineEdit().setPlaceholderText(f"Any {self.noun} — type a name, e-mail or id")
        self.combo.lineEdit().setClearButtonEnabled(True)
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.combo.setCompleter(self.completer)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.refresh_matches)
        self.combo.editTextChanged.connect(self._edited)
        self.completer.activated.connect(lambda _text: self.changed.emit())
        self._add(self.combo, 1)
        self.load_items()
        self.reset()

    def _choices(self, text: str) -> list[Choice]:
        key = text.strip().lower()
        if key not in self._cache:
            found = self.source.search(self.kind, key, self.scope) if self.source else []
            self._cache[key] = found
            self._known.update((c.label, c) for c in found)
        return self._cache[key]

    def load_items(self) -> None:
        """The drop-down lists the first records of the scope; typing searches all of them."""
        text = self.combo.currentText()
        self.combo.blockSignals(True)
        self.combo.clear()
        for choice in self._choices(""):
            self.combo.addItem(choice.label, choice.id)
        self.combo.setCurrentIndex(-1)
        self.combo.setEditText(text)
        self.combo.blockSignals(False)

    def set_scope(self, workspace_id: int | None) -> None:
        if workspace_id == self.scope:
            return
        self.scope = workspace_id
        self._cache.clear()
        self.load_items()
        self.changed.emit()

    def _edited(self, _text: str) -> None:
        self.timer.start()
        self.changed.emit()

    def refresh_matches(self) -> None:
        text = self.combo.currentText()
        if text in self._known:
            return
        self.model.setStringList([c.label for c in self._choices(text)])
        if self.combo.lineEdit().hasFocus() and text.strip():
            self.completer.setCompletionPrefix(text)
            self.completer.complete()

    def value(self) -> int | None:
        text = self.combo.currentText().strip()
        if not text:
            return None
        if text in self._known:
            return self._known[text].id
        matches = self._choices(text)
        if text.isdigit():
            exact = [c for c in matches if c.id == int(text)]
            if exact:
                return exact[0].id
        if not matches:
            raise InputError(f"No {self.noun} matches '{text}'")
        raise InputError(f"'{text}' matches {len(matches)}{'+' if len(matches) >= 50 else ''} "
                         f"{self.noun}s: pick one from the list")

    def set_value(self, value: Any) -> None:
        if value is None:
            self.combo.setEditText("")
            return
        found = self.source.lookup(self.kind, [int(value)]) if self.source else {}
        choice = found.get(int(value))
        if choice is not None:
            self._known[choice.label] = choice
        self.combo.setEditText(choice.label if choice else str(value))
