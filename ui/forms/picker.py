"""A searchable record picker: an editable combo box whose completer filters employees,
org units or workspaces by name, e-mail or id as the admin types.

The records come from a `PickerSource` that answers later, on the GUI thread (the database
through `app.api.pickers` on the console's query thread), so a slow or unreachable database
shows "Searching…" or its error next to the field instead of freezing the window. Each
typed text is asked once and remembered; the query waits for a short pause in typing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QLabel, QWidget
from sqlalchemy import Engine

from app.api import pickers
from app.api.connection import describe_error
from app.api.pickers import Choice
from ui.background import Background, Superseded
from ui.forms.editors import FieldEditor, InputError, Pending
from ui.forms.elided import CutNameTips, ElidingLineEdit
from ui.forms.spec import FieldSpec
from ui.theme import set_tone
from ui.thread_task import while_alive

SEARCH_DELAY_MS = 150
Failed = Callable[[Exception], None]


class PickerSource(Protocol):
    """Answers arrive through the callbacks, on the GUI thread; `key` lets a newer search
    replace an older one that has not run yet."""

    def search(self, kind: str, text: str, workspace_id: int | None,
               done: Callable[[list[Choice]], None], failed: Failed, *, key: str = "") -> None: ...

    def lookup(self, kind: str, ids: list[int], done: Callable[[dict[int, Choice]], None], failed: Failed) -> None: ...


class EnginePickerSource:
    """Pickers backed by the shared database, queried on a background query thread."""

    def __init__(self, engine: Engine, background: Background, limit: int = 50) -> None:
        self.engine, self.background, self.limit = engine, background, limit

    def search(self, kind: str, text: str, workspace_id: int | None,
               done: Callable[[list[Choice]], None], failed: Failed, *, key: str = "") -> None:
        engine, limit = self.engine, self.limit
        self.background.submit(lambda: pickers.search(engine, kind, text, workspace_id=workspace_id, limit=limit),
                               done, failed, key=key)

    def lookup(self, kind: str, ids: list[int], done: Callable[[dict[int, Choice]], None], failed: Failed) -> None:
        engine = self.engine
        self.background.submit(lambda: pickers.lookup(engine, kind, ids), done, failed)


class PickerEditor(FieldEditor):
    loaded = Signal()  # the drop-down list of the current scope has arrived

    def __init__(self, spec: FieldSpec, source: PickerSource | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.kind = spec.picker or "employee"
        self.noun = pickers.KIND_LABELS.get(self.kind, self.kind)
        self.source = source
        self.scope: int | None = None
        self._generation = 0  # bumped on a scope change: older answers are dropped
        self._cache: dict[str, list[Choice]] = {}
        self._pending: set[str] = set()
        self._errors: dict[str, str] = {}
        self._known: dict[str, Choice] = {}
        self.combo = QComboBox()
        self.combo.setLineEdit(ElidingLineEdit(self.combo))  # editable; a long name ends in "…", whole in its tooltip
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
        CutNameTips(self.completer.popup())  # both lists cut a long name: hovering it shows it whole
        CutNameTips(self.combo.view())
        self.state = QLabel()
        self.state.setObjectName("Muted")
        self.state.hide()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.refresh_matches)
        self.combo.editTextChanged.connect(self._edited)
        self.completer.activated.connect(lambda _text: self.changed.emit())
        self._add(self.combo, 1)
        self.layout_.addWidget(self.state)
        self.load_items()
        self.reset()

    # ------------------------------------------------------------ asking
    @staticmethod
    def _key(text: str) -> str:
        return text.strip().lower()

    def _ask(self, text: str) -> None:
        """Search for `text` unless its answer is known or on its way."""
        key = self._key(text)
        if self.source is None:
            self._cache.setdefault(key, [])
            return
        if key in self._cache or key in self._pending:
            return
        self._errors.pop(key, None)
        self._pending.add(key)
        generation = self._generation
        self._show_state()
        self.source.search(self.kind, key, self.scope,
                           while_alive(self, lambda found: self._arrived(generation, key, found)),
                           while_alive(self, lambda exc: self._failed(generation, key, exc)),
                           key=f"picker-{id(self)}" if key else "")

    def _arrived(self, generation: int, key: str, found: list[Choice]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(key)
        self._cache[key] = found
        self._known.update((c.label, c) for c in found)
        self._show_state()
        if key == "":
            self._fill_items(found)
        if key == self._key(self.combo.currentText()) and key:
            self._offer(found)
        self.changed.emit()

    def _failed(self, generation: int, key: str, exc: Exception) -> None:
        if generation != self._generation:
            return
        self._pending.discard(key)
        if not isinstance(exc, Superseded):  # a newer search replaced it: nothing to say
            self._errors[key] = f"Could not search {self.noun}s: {describe_error(exc)}"
        self._show_state()
        self.changed.emit()

    def _show_state(self) -> None:
        """'Searching…' while an answer is on its way; the database's error when one failed."""
        error = next(iter(self._errors.values()), "")
        text = f"⚠ {error}" if error else "Searching…" if self._pending else ""
        self.state.setText(text)
        self.state.setToolTip(error)
        set_tone(self.state, "error" if error else "")
        self.state.setVisible(bool(text))

    # ------------------------------------------------------------ the list
    def load_items(self) -> None:
        """The drop-down lists the first records of the scope; typing searches all of them."""
        self._ask("")

    def _fill_items(self, choices: list[Choice]) -> None:
        text = self.combo.currentText()
        self.combo.blockSignals(True)
        self.combo.clear()
        for index, choice in enumerate(choices):
            self.combo.addItem(choice.label, choice.id)
            self.combo.setItemData(index, choice.label, Qt.ItemDataRole.ToolTipRole)  # the list cuts it too
        self.combo.setCurrentIndex(-1)
        self.combo.setEditText(text)
        self.combo.blockSignals(False)
        self.loaded.emit()

    def set_scope(self, workspace_id: int | None) -> None:
        if workspace_id == self.scope:
            return
        self.scope = workspace_id
        self._generation += 1
        self._cache.clear()
        self._pending.clear()
        self._errors.clear()
        self.load_items()
        text = self.combo.currentText()
        if text.strip() and text not in self._known:
            self._ask(text)  # what is typed, searched again in the new scope
        self.changed.emit()

    def _edited(self, _text: str) -> None:
        self.timer.start()
        self.changed.emit()

    def refresh_matches(self) -> None:
        text = self.combo.currentText()
        if text in self._known or not text.strip():
            return
        key = self._key(text)
        self._errors.pop(key, None)  # typed again after a failure: ask again
        if key in self._cache:
            self._offer(self._cache[key])
        else:
            self._ask(text)

    def _offer(self, choices: list[Choice]) -> None:
        text = self.combo.currentText()
        self.model.setStringList([c.label for c in choices])
        if self.combo.lineEdit().hasFocus() and text.strip():
            self.completer.setCompletionPrefix(text)
            self.completer.complete()

    # ------------------------------------------------------------ value
    def value(self) -> int | None:
        text = self.combo.currentText().strip()
        if not text:
            return None
        if text in self._known:
            return self._known[text].id
        key = self._key(text)
        if key in self._errors:
            raise InputError(self._errors[key])
        if key not in self._cache:
            if not self.timer.isActive() and key not in self._pending:
                self.timer.start()
            raise Pending(f"Searching {self.noun}s for '{text}'…")
        matches = self._cache[key]
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
        ident = int(value)
        # The id stands for itself until its label arrives, so the form is valid at once.
        self._known[str(ident)] = Choice(ident, str(ident))
        self.combo.setEditText(str(ident))
        if self.source is not None:
            self.source.lookup(self.kind, [ident], while_alive(self, lambda found: self._labelled(ident, found)),
                               while_alive(self, lambda exc: self._failed(self._generation, str(ident), exc)))

    def _labelled(self, ident: int, found: dict[int, Choice]) -> None:
        choice = found.get(ident)
        if choice is None or self.combo.currentText() != str(ident):
            return
        self._known[choice.label] = choice
        self.combo.setEditText(choice.label)
        self.combo.lineEdit().setCursorPosition(0)  # a long path shows its start, not its end
        self.combo.setToolTip(choice.label)
