"""Editors for collections: a checkable list of choices, a list of strings (filter
conditions, recipients), and a key → value table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.forms.editors import FieldEditor, InputError
from ui.forms.spec import FieldSpec, choice_label


def _fit_rows(view: QListWidget | QTableWidget, rows: int, header: int = 0) -> None:
    """Show `rows` rows without a scroll bar, so short lists don't eat the dialog."""
    count = view.count() if isinstance(view, QListWidget) else view.rowCount()
    spacing = view.spacing() if isinstance(view, QListWidget) else 0
    row_height = (view.sizeHintForRow(0) if count else view.fontMetrics().height() + 6) + 2 * spacing
    view.setFixedHeight(rows * row_height + header + 2 * view.frameWidth() + spacing + 2)


class MultiChoiceEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setSpacing(2)
        labels = spec.schema.get("x-labels")
        for choice in spec.choices:
            item = QListWidgetItem(choice_label(choice, labels))
            item.setData(Qt.ItemDataRole.UserRole, choice)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        _fit_rows(self.list, min(len(spec.choices), 6))
        self.list.itemChanged.connect(self.changed)
        self._add(self.list, 1)
        self.reset()

    def item(self, choice: Any) -> QListWidgetItem:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == choice:
                return self.list.item(i)
        raise KeyError(choice)

    def value(self) -> list[Any]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def set_value(self, value: Any) -> None:
        chosen = set(value or [])
        for i in range(self.list.count()):
            item = self.list.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class TextListEditor(FieldEditor):
    """Type an entry, press Enter or Add; double-click an entry to edit it."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        entry_row = QHBoxLayout()
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(spec.placeholder or "Type an entry and press Enter")
        self.entry.returnPressed.connect(self.add_entry)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_entry)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.add_button)
        entry_row.addWidget(self.remove_button)
        self.list = QListWidget()
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        _fit_rows(self.list, 3)
        self.list.itemChanged.connect(self.changed)
        # Add only with something typed, Remove only with an entry selected
        self.entry.textChanged.connect(self._update_buttons)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.model().rowsRemoved.connect(self._update_buttons)
        column.addLayout(entry_row)
        column.addWidget(self.list)
        self._add(box, 1)
        self.setFocusProxy(self.entry)
        self.reset()
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.add_button.setEnabled(bool(self.entry.text().strip()))
        self.remove_button.setEnabled(bool(self.list.selectedItems()))

    def add_entry(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)
        self.entry.clear()
        self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def entries(self) -> list[str]:
        return [self.list.item(i).text().strip() for i in range(self.list.count()) if self.list.item(i).text().strip()]

    def value(self) -> list[Any]:
        if self.entry.text().strip():
            raise InputError(f"'{self.entry.text().strip()}' is typed but not added: press Enter or Add")
        convert = {"int": int, "number": float}.get(self.spec.item_kind)
        if convert is None:
            return self.entries()
        try:
            return [convert(e) for e in self.entries()]
        except ValueError as exc:
            raise InputError(f"Not a number: {str(exc).rsplit(':', 1)[-1].strip()}") from None

    def set_value(self, value: Any) -> None:
        self.list.clear()
        for entry in value or []:
            item = QListWidgetItem(str(entry))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.list.addItem(item)


class MappingEditor(FieldEditor):
    """A small table of key → value pairs (an import's file column → field). Its two headers
    say what each side is, from the schema's `x-columns` (e.g. "File column" / "Field"): a bare
    "Key" / "Value" left the person to guess which side the file's header goes in."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2)
        columns = spec.schema.get("x-columns")
        self.table.setHorizontalHeaderLabels([str(c) for c in columns[:2]] if isinstance(columns, list) and
                                             len(columns) >= 2 else ["Name", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        _fit_rows(self.table, 3, self.table.horizontalHeader().sizeHint().height())
        self.table.itemChanged.connect(self.changed)
        buttons = QHBoxLayout()
        add, remove = QPushButton("Add row"), QPushButton("Remove row")
        add.clicked.connect(lambda: self.add_row("", ""))
        remove.clicked.connect(self.remove_row)
        self.remove_button = remove  # enabled while there is a row to remove
        for signal in (self.table.model().rowsInserted, self.table.model().rowsRemoved):
            signal.connect(lambda *_: remove.setEnabled(self.table.rowCount() > 0))
        remove.setEnabled(False)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        column.addWidget(self.table)
        column.addLayout(buttons)
        self._add(box, 1)
        self.reset()

    def add_row(self, key: str, value: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(key))
        self.table.setItem(row, 1, QTableWidgetItem(value))
        self.changed.emit()

    def remove_row(self) -> None:
        row = self.table.currentRow()
        self.table.removeRow(row if row >= 0 else self.table.rowCount() - 1)
        self.changed.emit()

    def value(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            key_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            key = key_item.text().strip() if key_item else ""
            if not key:
                continue
            if key in found:
                raise InputError(f"'{key}' appears twice")
            found[key] = value_item.text() if value_item else ""
        return found

    def set_value(self, value: Any) -> None:
        self.table.setRowCount(0)
        for key, item in (value or {}).items():
            self.add_row(str(key), "" if item is None else str(item))
